import { sqlMigration } from './migration.js';

/**
 * roster_issues.duplicate_of: for a 'duplicate' issue, the row number of the
 * entry it repeats (the first row with the number; core/rosters/preparedRows.ts).
 *
 * The import knows that row when it finds the duplicate (E164Set keeps each
 * number's first row). Looking it up afterwards meant reading every entry of
 * the roster, since entries have no index by number (migration 0005): about
 * a second for a 1,000,000-row roster, on the core host's thread, each time a
 * page of issues holding duplicates was shown, the import's own preview
 * included (bench/host.ts: requests waited that long). Issues imported
 * before this migration keep NULL and are looked up as before.
 */
export const m0010RosterIssuesDuplicateOf = sqlMigration('0010-roster-issues-duplicate-of', 'ALTER TABLE roster_issues ADD COLUMN duplicate_of INTEGER');
