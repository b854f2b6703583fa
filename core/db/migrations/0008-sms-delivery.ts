import { sqlMigration } from './migration.js';

/**
 * Delivery reports and user-confirmed resends of SMS (issue 10).
 *
 * sms_outbox gains, for a message a provider accepted:
 * - `provider`: which provider took it (its message ID means nothing to another);
 * - `sent_at`: when it was accepted; polling stops 48 h later (docs/DOMAIN.md "SMS providers");
 * - `delivery_state`: 'pending' while polled, then 'delivered', 'undelivered'
 *   or 'expired' (no final report within 48 h); 'untracked' when the provider
 *   has no status look-up (Vonage, Zenziva, a generic gateway without a status URL) or for a dry run;
 * - `delivery_detail`: the provider's own status words ("DELIVERED_TO_HANDSET", "undelivered (30003)");
 * - `delivery_checked_at`, `delivery_next_check_at`, `delivery_checks`: the backoff;
 * - `resent_at`: when the user chose to send an uncertain SMS again (never automatic).
 *
 * tasks gains the delivery counters, kept in the transactions that change a
 * message's delivery state, like the other counters.
 */
export const m0008SmsDelivery = sqlMigration('0008-sms-delivery', `
      ALTER TABLE sms_outbox ADD COLUMN provider TEXT;
      ALTER TABLE sms_outbox ADD COLUMN sent_at INTEGER;
      ALTER TABLE sms_outbox ADD COLUMN delivery_state TEXT
        CHECK (delivery_state IN ('pending', 'delivered', 'undelivered', 'expired', 'untracked'));
      ALTER TABLE sms_outbox ADD COLUMN delivery_detail TEXT;
      ALTER TABLE sms_outbox ADD COLUMN delivery_checked_at INTEGER;
      ALTER TABLE sms_outbox ADD COLUMN delivery_next_check_at INTEGER;
      ALTER TABLE sms_outbox ADD COLUMN delivery_checks INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sms_outbox ADD COLUMN resent_at INTEGER;
      -- The poller's two questions, asked once a second by the dialer: which are due, which are past 48 h
      -- (partial: only messages still waiting are indexed; bench/smsDelivery.ts).
      CREATE INDEX sms_outbox_delivery_due ON sms_outbox (delivery_next_check_at) WHERE delivery_state = 'pending';
      CREATE INDEX sms_outbox_delivery_sent ON sms_outbox (sent_at) WHERE delivery_state = 'pending';
      -- The task page's delivery list, in number order, all or one state.
      CREATE INDEX sms_outbox_task_number ON sms_outbox (task_id, task_number_id);
      CREATE INDEX sms_outbox_task_delivery ON sms_outbox (task_id, delivery_state, task_number_id);

      ALTER TABLE tasks ADD COLUMN n_sms_delivered INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN n_sms_undelivered INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN n_sms_expired INTEGER NOT NULL DEFAULT 0;
    `);
