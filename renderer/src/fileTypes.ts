/**
 * What the file picker offers for a roster: the core reads .xlsx and .csv
 * (core/rosters). A do-not-call list is imported from the same files, read
 * as rosters are (core/dnc/doNotCallService.ts).
 */
export const SPREADSHEET_FILES = '.xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
