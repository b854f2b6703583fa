import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';
import type { SecretBox, SecretScheme } from './secretBox.js';

/** Named credentials in the `secrets` table, always encrypted by the SecretBox. */
export class SecretStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  has(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(name) !== undefined;
  }

  get(name: string): string | undefined {
    const row = this.db.prepare('SELECT scheme, ciphertext FROM secrets WHERE name = ?').get(name) as
      | { scheme: SecretScheme; ciphertext: Buffer }
      | undefined;
    return row ? this.box.decrypt(row.scheme, row.ciphertext) : undefined;
  }

  set(name: string, plain: string): void {
    const ciphertext = this.box.encrypt(plain);
    this.db
      .prepare(
        `INSERT INTO secrets (name, scheme, ciphertext, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET scheme = excluded.scheme, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      )
      .run(name, this.box.scheme, ciphertext, this.clock.now());
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
  }
}
