import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SecretBox, SecretScheme } from './secretBox.js';

/** The OS keychain, reached through the desktop's main process (Electron's safeStorage lives only there). */
export interface Keychain {
  encrypt(plain: string): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array): Promise<string>;
}

/** The row holding the sealed key: the random key, encrypted by the keychain itself. */
export const SEALED_KEY_NAME = 'app.sealedKey';
/** Marks a credential encrypted under the sealed key; safeStorage's own output starts with "v10"/"v11" (macOS, Linux) or a DPAPI blob header (Windows), never with this. */
const MAGIC = Buffer.from('ACS1');
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function seal(key: Buffer, plain: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, ciphertext: Buffer): string {
  const at = MAGIC.length;
  const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(at, at + IV_BYTES));
  decipher.setAuthTag(ciphertext.subarray(at + IV_BYTES, at + IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(ciphertext.subarray(at + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/**
 * Credentials in the desktop app's core host, a process without safeStorage:
 * envelope encryption, as Chromium's own cookie encryption does. One random
 * AES-256 key is encrypted by the keychain (safeStorage, through main) and
 * stored sealed in the secrets table; it is opened once when the core opens,
 * so every credential after that is encrypted and decrypted in the host
 * synchronously, inside the store's transactions. The scheme stays
 * 'safe-storage' (readable only with this OS account's keychain; the CLI
 * refuses it as before). Credentials the app encrypted with safeStorage
 * directly (before the host existed) are moved under the key on first open.
 * If the keychain cannot open the key (another OS account, a reset
 * keychain), a new key is made and the old credentials ask to be entered
 * again (secrets.unreadable).
 */
export async function openSealedKeyBox(db: Db, keychain: Keychain, fileBox: SecretBox, clock: Clock, log: Logger): Promise<SecretBox> {
  const row = db.prepare("SELECT ciphertext FROM secrets WHERE name = ? AND scheme = 'safe-storage'").get(SEALED_KEY_NAME) as
    | { ciphertext: Buffer }
    | undefined;
  let key: Buffer | undefined;
  if (row) {
    try {
      const opened = Buffer.from(await keychain.decrypt(row.ciphertext), 'base64');
      if (opened.length === KEY_BYTES) key = opened;
    } catch (err) {
      log.warn('the sealed credential key could not be opened; credentials must be entered again', { error: String(err) });
    }
  }
  if (!key) {
    key = randomBytes(KEY_BYTES);
    const sealed = Buffer.from(await keychain.encrypt(key.toString('base64')));
    db.prepare(
      `INSERT INTO secrets (name, scheme, ciphertext, updated_at) VALUES (?, 'safe-storage', ?, ?)
       ON CONFLICT (name) DO UPDATE SET scheme = excluded.scheme, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
    ).run(SEALED_KEY_NAME, sealed, clock.now());
  }

  // Credentials safeStorage encrypted directly: decrypted once through main, sealed under the key.
  const legacy = db.prepare("SELECT name, ciphertext FROM secrets WHERE scheme = 'safe-storage' AND name != ?").all(SEALED_KEY_NAME) as {
    name: string;
    ciphertext: Buffer;
  }[];
  for (const { name, ciphertext } of legacy) {
    if (ciphertext.subarray(0, MAGIC.length).equals(MAGIC)) continue;
    try {
      const plain = await keychain.decrypt(ciphertext);
      db.prepare('UPDATE secrets SET ciphertext = ? WHERE name = ?').run(seal(key, plain), name);
    } catch {
      // Left as it is: reading it says to enter it again.
    }
  }

  const sealedKey = key;
  return {
    scheme: 'safe-storage',
    encrypt: (plain) => seal(sealedKey, plain),
    decrypt: (scheme: SecretScheme, ciphertext: Buffer) => {
      if (scheme === 'file-key') return fileBox.decrypt(scheme, ciphertext);
      if (ciphertext.subarray(0, MAGIC.length).equals(MAGIC)) {
        try {
          return open(sealedKey, ciphertext);
        } catch {
          // A credential sealed under a key this keychain no longer opens.
        }
      }
      throw new AppError('secrets.unreadable');
    },
  };
}
