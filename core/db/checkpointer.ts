import type { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import startCheckpointWorker from './checkpoint.worker?nodeWorker';
import type { CheckpointCommand, CheckpointReport, CheckpointWorkerData } from './checkpoint.worker.js';
import type { Db } from './database.js';

/** How the checkpointer paces itself (checkpoint.worker.ts). */
export interface CheckpointPace {
  /** How often it looks whether the writer committed. */
  intervalMs: number;
  /** How long the writer must have been quiet before a checkpoint: an import's commits never leave such a gap. */
  quietMs: number;
  /** The longest a checkpoint waits for that quiet (calls commit a little every few seconds, all day). */
  maxDeferMs: number;
}

export const CHECKPOINT_PACE: CheckpointPace = { intervalMs: 250, quietMs: 1000, maxDeferMs: 30_000 };

/**
 * The writer's own checkpoint, kept as a backstop should the checkpointer
 * fall far behind or stop: at 250,000 pages (~1 GB of WAL) instead of
 * SQLite's 1,000 (~4 MB). The 1,000,000-row bench csv grew the WAL to
 * 212 MB (~51,600 frames, measured by polling the -wal file's size during
 * the import), so a backstop at 50,000 pages fired inside it and held the
 * writer for ~340 ms (combined bench); the WAL waits on disk instead
 * until the checkpointer copies it, then shrinks back to WAL_SIZE_LIMIT_BYTES.
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 250_000;

/** SQLite's default, back in force when the checkpointer cannot run. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/** After a checkpoint resets it, the WAL file is cut back to this size, so one large import does not leave a large file. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Moves the store's WAL checkpoints off the thread that writes, and out of
 * the busy moments (issue 8). By default SQLite checkpoints inside the
 * commit that takes the WAL past 1,000 pages: that commit copies ~4 MB into
 * the database file and fsyncs it. In the core host that is the thread
 * that answers the window, and during an import it happens every ~20,000
 * rows. The combined bench (an import beside 1,000 calls) measured its
 * loop held up to ~60-220 ms and the requests' p99 at 38-190 ms. Moving the
 * same checkpoints to a thread of their own did not help (85 and 41 ms):
 * the fsync stalls the writer's own WAL writes and, on a kernel that does
 * not preempt itself, the CPU it runs on. Deferred until the writer pauses,
 * they happen after the import instead: p99 25-43 ms (docs/ARCHITECTURE.md
 * "The store" has every variant measured).
 *
 * The checkpointer is a worker thread with its own connection
 * (checkpoint.worker.ts). The writer keeps a checkpoint of its own at
 * BACKSTOP_AUTOCHECKPOINT_PAGES; if the worker cannot open the store or
 * fails, SQLite's default comes back and the failure is logged. Nothing
 * about durability changes: commits are in the WAL either way, and the
 * last connection to close checkpoints what is left.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped = false;

  constructor(db: Db, nativeBinding: string | undefined, log: Logger, pace: CheckpointPace = CHECKPOINT_PACE) {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.worker = startCheckpointWorker({
      name: 'autocall-checkpoint',
      workerData: { file: db.name, nativeBinding, ...pace } satisfies CheckpointWorkerData,
      // It holds a connection and a timer: a small heap keeps the thread's memory small (the import's RSS budget, issue 13).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // The process ends when its work does; the checkpointer alone must not keep it.
    this.worker.unref();
    const fallBack = (why: string) => {
      if (this.stopped) return;
      this.stopped = true;
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      log.warn('store checkpointer stopped: the writer checkpoints itself again', { why });
    };
    this.worker.on('message', (report: CheckpointReport) => {
      if ('failed' in report) fallBack(report.failed);
    });
    this.worker.on('error', (err) => fallBack(err.message));
    this.worker.on('exit', (code) => fallBack(`it exited with code ${code}`));
  }

  /** Whether the worker is still the one checkpointing. */
  get running(): boolean {
    return !this.stopped;
  }

  /** Listens to the worker's reports (tests). */
  onReport(listener: (report: CheckpointReport) => void): void {
    this.worker.on('message', listener);
  }

  /** Ends the worker; its connection closes first, so the store's last connection checkpoints what is left as it closes. */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.worker.postMessage('stop' satisfies CheckpointCommand);
    }
    return this.exited;
  }
}
