/** Domain records as they cross the contract. Times are epoch milliseconds; the UI shows them in WIB. */

export interface Page<T> {
  items: T[];
  total: number;
  page: number; // 1-based
  pageSize: number;
}

export interface Recording {
  id: number;
  name: string;
  originalFileName: string;
  sizeBytes: number;
  durationMs: number;
  createdAt: number;
  /** Used by a task that is not finished: rename is allowed, delete is not. */
  inUse: boolean;
}

export type RosterStatus = 'staged' | 'ready';

export interface Roster {
  id: number;
  name: string;
  sourceFileName: string;
  phoneColumn: string;
  columns: string[];
  status: RosterStatus;
  totalRows: number;
  validCount: number;
  duplicateCount: number;
  invalidCount: number;
  createdAt: number;
  inUse: boolean;
}

export interface RosterEntry {
  rowNumber: number;
  phoneE164: string;
  phoneRaw: string;
  variables: Record<string, string>;
}

export type RosterIssueKind = 'invalid' | 'duplicate';

export interface RosterIssue {
  rowNumber: number;
  phoneRaw: string;
  kind: RosterIssueKind;
  /** A stable code the UI translates: 'empty', 'tooShort', 'tooLong', 'notANumber', 'invalidForRegion', 'duplicate'. */
  reason: string;
}

/** What roster.analyze answers: either it needs the user to pick the phone column, or a staged import to confirm. */
export type RosterAnalysis =
  | { kind: 'needsPhoneColumn'; headers: string[] }
  | { kind: 'staged'; roster: Roster; sample: RosterEntry[]; issues: RosterIssue[] };

export interface RosterImportProgress {
  fileName: string;
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
}

export interface RecordingProgress {
  fileName: string;
  stage: 'checking' | 'decoding' | 'encoding' | 'saving';
  fraction: number; // 0..1
}

export type SmsTemplateStatus = 'pending' | 'approved' | 'rejected';

export interface SmsTemplate {
  id: number;
  name: string;
  body: string;
  status: SmsTemplateStatus;
  rejectionReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type SmsProvider = 'twilio' | 'vonage' | 'infobip' | 'zenziva' | 'generic';

export interface SmsAccountView {
  provider: SmsProvider;
  active: boolean;
  /** Non-secret settings (base URL, sender, account SID, ...). */
  config: Record<string, string>;
  /** Which secret fields have a stored value; the values never leave the main process. */
  secretsSet: Record<string, boolean>;
  updatedAt: number;
}

export interface SmsSendResult {
  accepted: boolean;
  providerMessageId: string | null;
  httpStatus: number | null;
  /** The provider's answer, shortened, for the user to read. */
  providerAnswer: string;
  attempts: number;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  locale: string;
  /** 'electron' in the desktop app, 'bridge' in end-to-end tests, 'cli' in the command line. */
  host: 'electron' | 'bridge' | 'cli';
}
