import type { Db } from '../../core/db/database.js';

/**
 * Rows the task tests build on, written straight into a real store so the
 * engine tests do not depend on MP3 decoding or spreadsheet parsing (those
 * have their own tests). Phone numbers are valid Indonesian mobiles.
 */
export function seedRecording(db: Db, name = 'Promotion Campaign'): number {
  const r = db
    .prepare(
      `INSERT INTO recordings (name, original_file_name, sha256, size_bytes, duration_ms, source_sample_rate, source_channels, created_at)
       VALUES (?, ?, ?, 1000, 3000, 44100, 2, 0)`,
    )
    .run(name, `${name}.mp3`, 'a'.repeat(64));
  return Number(r.lastInsertRowid);
}

export function phoneFor(i: number): string {
  return `+62812${String(10_000_000 + i).padStart(8, '0')}`;
}

export function seedRoster(db: Db, count: number, name = 'Promotion_List_202601'): number {
  return db.transaction(() => {
    const r = db
      .prepare(
        `INSERT INTO rosters (name, source_file_name, phone_column, columns, status, total_rows, valid_count, created_at)
         VALUES (?, ?, 'Phone', '["Phone","name"]', 'ready', ?, ?, 0)`,
      )
      .run(name, `${name}.xlsx`, count, count);
    const rosterId = Number(r.lastInsertRowid);
    const insert = db.prepare('INSERT INTO roster_entries (roster_id, row_number, phone_e164, phone_raw, variables) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < count; i++) insert.run(rosterId, i + 2, phoneFor(i), phoneFor(i), JSON.stringify({ name: `Customer ${i}` }));
    return rosterId;
  })();
}

export function seedTemplate(db: Db, body: string, status: 'pending' | 'approved' | 'rejected' = 'approved', name = body.slice(0, 20)): number {
  const r = db
    .prepare('INSERT INTO sms_templates (name, body, status, created_at, updated_at) VALUES (?, ?, ?, 0, 0)')
    .run(name, body, status);
  return Number(r.lastInsertRowid);
}

export function seedActiveSmsAccount(db: Db): void {
  db.prepare(
    `INSERT INTO sms_account (id, provider, config, active, updated_at) VALUES (1, 'infobip', '{"baseUrl":"http://127.0.0.1:9"}', 1, 0)
     ON CONFLICT (id) DO UPDATE SET active = 1`,
  ).run();
}
