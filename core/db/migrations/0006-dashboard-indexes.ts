import { sqlMigration } from './migration.js';

/**
 * Indexes for the dashboard and the task page's figures (dashboard.get,
 * task.stats), computed with SQL when asked rather than kept as counters.
 * Each is covering for its query, so a count reads only index pages:
 * - call attempts by the time they ended, with the outcome: today's calls
 *   (the WIB day), calls per minute, the last hour's chart;
 * - the same per task: the calls-over-time chart and the average attempt
 *   length behind the finish estimate;
 * - SMS by task and state, and by the time they last changed (sent or
 *   failed today).
 */
export const m0006DashboardIndexes = sqlMigration('0006-dashboard-indexes', `
      CREATE INDEX call_attempts_ended ON call_attempts (ended_at, outcome) WHERE ended_at IS NOT NULL;
      CREATE INDEX call_attempts_task_ended ON call_attempts (task_id, ended_at, outcome, started_at) WHERE ended_at IS NOT NULL;
      CREATE INDEX sms_outbox_task_state ON sms_outbox (task_id, state);
      CREATE INDEX sms_outbox_updated ON sms_outbox (updated_at, state);
    `);
