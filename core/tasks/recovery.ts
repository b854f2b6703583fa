import type { CoreContext } from '../context.js';
import { problem } from '../errors.js';
import { assertFence, type Fence } from './lease.js';
import { attemptErrorColumns, smsErrorColumns } from './storedErrors.js';
import { TaskStore } from './taskStore.js';

const CALL_INTERRUPTED = attemptErrorColumns([problem('call.interrupted', 'The app stopped while this call was in progress.')]);
const SMS_INTERRUPTED = smsErrorColumns(problem('sms.interrupted', 'The app stopped while this SMS was being sent; it may have been delivered.'));

/**
 * Runs when this process takes the dialing lease from nobody or from a
 * holder that died. Anything that holder left in flight may or may not
 * have happened: a call attempt may have rung the customer, an SMS may
 * have reached the provider. They are marked uncertain and never repeated
 * automatically; the user can choose to call uncertain numbers again.
 * It runs right after the take-over, under the new epoch, so every
 * in-flight row belongs to an earlier holder (a live one that was paused
 * is fenced and writes nothing more). Returns the ids of the tasks it touched.
 */
export function recoverInterrupted(ctx: CoreContext, fence: Fence): number[] {
  const { db, clock } = ctx;
  const now = clock.now();
  return db.transaction(() => {
    assertFence(db, fence);
    const calls = new TaskStore(db).markInFlightUncertain(CALL_INTERRUPTED, now);
    const touched = new Set<number>(calls);
    const sms = db.prepare("SELECT id, task_id FROM sms_outbox WHERE state = 'sending'").all() as { id: number; task_id: number }[];
    for (const s of sms) {
      db.prepare("UPDATE sms_outbox SET state = 'uncertain', error = ?, error_code = ?, error_params = ?, updated_at = ? WHERE id = ?").run(
        SMS_INTERRUPTED.error,
        SMS_INTERRUPTED.errorCode,
        SMS_INTERRUPTED.errorParams,
        now,
        s.id,
      );
      touched.add(s.task_id);
    }
    if (calls.length > 0 || sms.length > 0) ctx.log.warn('recovered interrupted work', { calls: calls.length, sms: sms.length });
    return [...touched];
  }).immediate();
}
