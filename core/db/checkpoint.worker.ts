/**
 * The store's checkpointer (checkpointer.ts): on its own thread and its own
 * connection, it copies what the WAL holds into the database file (PRAGMA
 * wal_checkpoint(PASSIVE): it never waits for, nor blocks, the writer or a
 * reader) once the writer has been quiet for `quietMs`, or, under writes
 * that never pause, `maxDeferMs` after the last copy. Every `intervalMs` it
 * asks SQLite whether another connection committed since (PRAGMA
 * data_version), which costs next to nothing.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { BULK_WORK_NICENESS, setThreadNiceness } from '../workers/threadPriority.js';

export interface CheckpointWorkerData {
  file: string;
  nativeBinding: string | undefined;
  /** How often it looks whether the writer committed. */
  intervalMs: number;
  /** How long the writer must have been quiet before a checkpoint. */
  quietMs: number;
  /** The longest a checkpoint waits for that quiet. */
  maxDeferMs: number;
}

/** Sent by the owner: close the connection and end. */
export type CheckpointCommand = 'stop';

/** Posted after a checkpoint that copied something (`walFrames` in the WAL, `checkpointed` of them in the database now), or once when it cannot go on. */
export type CheckpointReport = { walFrames: number; checkpointed: number } | { failed: string };

const port = parentPort!;
const { file, nativeBinding, intervalMs, quietMs, maxDeferMs } = workerData as CheckpointWorkerData;
// Bulk work: it may wait; calls and requests may not.
setThreadNiceness(BULK_WORK_NICENESS);

function post(report: CheckpointReport): void {
  port.postMessage(report);
}

let db: Database.Database;
try {
  db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
} catch (err) {
  post({ failed: err instanceof Error ? err.message : String(err) });
  process.exit(0);
}

let version = -1;
let lastCommit = 0;
let lastCheckpoint = performance.now();
/** Whether the WAL may hold frames not yet in the database (at the start: what an earlier run left). */
let pending = true;
let reported = -1;

function checkpoint(): void {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  lastCheckpoint = performance.now();
  // A reader still on older frames keeps them: try again at the next chance.
  pending = result !== undefined && result.checkpointed < result.log;
  if (result && result.checkpointed !== reported) {
    reported = result.checkpointed;
    post({ walFrames: result.log, checkpointed: result.checkpointed });
  }
}

const timer = setInterval(() => {
  try {
    const now = performance.now();
    const current = db.pragma('data_version', { simple: true }) as number;
    if (current !== version) {
      version = current;
      lastCommit = now;
      pending = true;
    }
    if (pending && (now - lastCommit >= quietMs || now - lastCheckpoint >= maxDeferMs)) checkpoint();
  } catch (err) {
    clearInterval(timer);
    db.close();
    post({ failed: err instanceof Error ? err.message : String(err) });
  }
}, intervalMs);

port.on('message', (_command: CheckpointCommand) => {
  clearInterval(timer);
  if (db.open) db.close();
  port.close();
});
