/**
 * SMS delivery follow-up (issue 10) with 200,000 SMS in one task, half of
 * them still waiting for a report: what the delivery poller adds to the
 * engine's tick, how fast it settles look-ups, and the task page's delivery
 * query. The provider is a status source that answers at once, so this
 * measures our side (store and bookkeeping), not the network.
 *
 *   node bin/run-ts.mjs bench/smsDelivery.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CoreContext } from '../core/context.js';
import { openDatabase, type Db } from '../core/db/database.js';
import { silentLogger } from '../core/log.js';
import { EXPIRE_BATCH, SmsDeliveryPoller } from '../core/sms/delivery.js';
import { TaskSmsService } from '../core/tasks/taskSms.js';

const SMS = 200_000;
const MINUTE = 60_000;

function build(db: Db, now: number): void {
  db.transaction(() => {
    db.prepare(
      "INSERT INTO recordings (id, name, original_file_name, sha256, size_bytes, duration_ms, source_sample_rate, source_channels, created_at) VALUES (1, 'r', 'r.mp3', ?, 1, 1, 8000, 1, 0)",
    ).run('a'.repeat(64));
    db.prepare(
      `INSERT INTO tasks (id, name, recording_id, recording_name, roster_id, roster_name, status, start_at, scheduled, dry_run, total, n_done, created_at, updated_at)
       VALUES (1, 'Bench', 1, 'r', NULL, 'roster', 'completed', ?, 0, 0, ?, ?, ?, ?)`,
    ).run(now, SMS, SMS, now, now);
    const number = db.prepare("INSERT INTO task_numbers (id, task_id, row_number, phone_e164, variables, state, outcome, attempts, updated_at) VALUES (?, 1, ?, ?, '{}', 'done', 'answered', 1, ?)");
    const sms = db.prepare(
      `INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at, provider, provider_message_id, sent_at, delivery_state, delivery_next_check_at)
       VALUES (1, ?, 'disconnect', ?, 'Terima kasih', 'sent', 0, ?, ?, 'twilio', ?, ?, ?, ?)`,
    );
    for (let i = 1; i <= SMS; i++) {
      const phone = `+62812${String(i).padStart(8, '0')}`;
      number.run(i, i + 1, phone, now);
      const pending = i % 2 === 0;
      // Pending ones are due over the next hour, as a real backoff spreads them.
      sms.run(i, phone, now, now, `SM${i}`, now - 2 * MINUTE, pending ? 'pending' : 'delivered', pending ? now + (i % 60) * MINUTE + MINUTE : null);
    }
  })();
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'autocall-bench-sms-'));
  try {
    const db = openDatabase(join(dir, 'autocall.db'));
    let now = Date.UTC(2026, 0, 5, 2, 0);
    const ctx = { dataDir: dir, db, clock: { now: () => now }, log: silentLogger, emit: () => undefined } as unknown as CoreContext;
    let t = performance.now();
    build(db, now);
    console.log(`store: ${SMS.toLocaleString('en-US')} SMS, ${(SMS / 2).toLocaleString('en-US')} waiting for a report (built in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

    let asked = 0;
    const poller = new SmsDeliveryPoller(ctx, {
      concurrency: 50,
      statusSource: () => ({ status: async () => (asked++, asked % 3 === 0 ? { state: 'pending', detail: 'sent' } : { state: 'delivered', detail: 'delivered' }) }),
    });

    // 1. A pump with nothing due: the engine's cost, once a second at most.
    const idleRuns = 200;
    t = performance.now();
    for (let i = 0; i < idleRuns; i++) {
      now += 250; // 50 s in all: the first are due after a minute
      (poller as unknown as { lastPump: number }).lastPump = Number.NEGATIVE_INFINITY; // every call does the work
      poller.pump();
    }
    const idleMs = (performance.now() - t) / idleRuns;
    console.log(`pump with nothing due: ${idleMs.toFixed(3)} ms (runs at most once a second inside the engine tick)`);
    if (asked !== 0) throw new Error('nothing should have been due');

    // 2. Look-ups settled per second, once a few thousand are due.
    now += 10 * MINUTE;
    const due = db.prepare("SELECT count(*) FROM sms_outbox WHERE delivery_state = 'pending' AND delivery_next_check_at <= ?").pluck().get(now) as number;
    t = performance.now();
    while (asked < due) {
      now += 1000;
      poller.pump();
      await poller.idle();
    }
    const seconds = (performance.now() - t) / 1000;
    console.log(`look-ups settled: ${due.toLocaleString('en-US')} in ${seconds.toFixed(2)} s = ${Math.round(due / seconds).toLocaleString('en-US')} per second (50 at a time)`);

    // 3. The task page's delivery list and the rate.
    const service = new TaskSmsService(ctx);
    const runs = 20;
    t = performance.now();
    for (let i = 0; i < runs; i++) service.deliveries(1, i % 2 === 0 ? 'pending' : 'all', 1 + i, 10);
    console.log(`task page delivery list (page of 10, filtered or not): ${((performance.now() - t) / runs).toFixed(2)} ms per page`);

    // 4. The 48 h expiry of everything still waiting, EXPIRE_BATCH per pump (once a second in the engine).
    const left = db.prepare("SELECT count(*) FROM sms_outbox WHERE delivery_state = 'pending'").pluck().get() as number;
    now += 48 * 60 * MINUTE;
    let pumps = 0;
    let worst = 0;
    t = performance.now();
    while ((db.prepare("SELECT count(*) FROM sms_outbox WHERE delivery_state = 'pending'").pluck().get() as number) > 0) {
      now += 1000;
      const one = performance.now();
      poller.pump();
      await poller.idle();
      worst = Math.max(worst, performance.now() - one);
      pumps++;
    }
    console.log(
      `expiry after 48 h: ${left.toLocaleString('en-US')} SMS in ${pumps} pumps of at most ${EXPIRE_BATCH} (${((performance.now() - t) / 1000).toFixed(1)} s of work in all, longest pump ${worst.toFixed(0)} ms)`,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

