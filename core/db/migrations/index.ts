import { m0001Initial } from './0001-initial.js';
import { m0002Tasks } from './0002-tasks.js';
import { m0003CallTraces } from './0003-call-traces.js';
import { m0004ErrorCodes } from './0004-error-codes.js';
import { m0005RosterEntriesPhoneNotIndexed } from './0005-roster-entries-phone-not-indexed.js';
import { m0006DashboardIndexes } from './0006-dashboard-indexes.js';
import { m0007DoNotCall } from './0007-do-not-call.js';
import { m0008SmsDelivery } from './0008-sms-delivery.js';
import { m0009LeaseEpoch } from './0009-lease-epoch.js';
import { m0010RosterIssuesDuplicateOf } from './0010-roster-issues-duplicate-of.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** In order; the position (1-based) is the schema version written to user_version. */
export const MIGRATIONS: readonly Migration[] = [
  m0001Initial,
  m0002Tasks,
  m0003CallTraces,
  m0004ErrorCodes,
  m0005RosterEntriesPhoneNotIndexed,
  m0006DashboardIndexes,
  m0007DoNotCall,
  m0008SmsDelivery,
  m0009LeaseEpoch,
  m0010RosterIssuesDuplicateOf,
];
