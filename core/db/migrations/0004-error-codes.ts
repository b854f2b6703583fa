import { sqlMigration } from './migration.js';

/**
 * Errors stored with call attempts and SMS get their stable codes and
 * params beside the English sentence, so the task detail page shows them in
 * the user's language. An attempt can end with several problems (the answer
 * crossed our CANCEL, then the BYE went unanswered), so its codes are a JSON
 * list [{code, params}] in the order of the sentence; an SMS fails once, with
 * one code and its params as a JSON object. Rows written before this
 * migration keep their sentence only (the columns stay NULL).
 */
export const m0004ErrorCodes = sqlMigration('0004-error-codes', `
      ALTER TABLE call_attempts ADD COLUMN error_codes TEXT;
      ALTER TABLE sms_outbox ADD COLUMN error_code TEXT;
      ALTER TABLE sms_outbox ADD COLUMN error_params TEXT;
    `);
