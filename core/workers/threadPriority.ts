/**
 * Scheduling priority of the calling thread, where the OS gives one per
 * thread. On Linux (NPTL) setpriority(PRIO_PROCESS, 0) changes the calling
 * thread only; on Windows and macOS os.setPriority(0) changes the whole
 * process, so there this does nothing.
 *
 * Two kinds of thread use it: the media thread asks for more (audio must not
 * wait behind anything, media.worker.ts), and the roster readers ask for
 * less (an import is bulk work: while calls stream and the window waits for
 * answers, it takes what CPU is left). Raising needs a right an ordinary
 * user lacks (RLIMIT_NICE); lowering is always allowed.
 */
import { getPriority, setPriority } from 'node:os';

/** Asks for a Linux niceness, -20 (first) to 19 (last; 0 is the default), for the calling thread; best effort. */
export function setThreadNiceness(niceness: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, niceness);
  } catch {
    // not permitted: the thread keeps its priority
  }
}

/** The calling thread's niceness, or null where threads have none of their own (Windows, macOS). */
export function threadNiceness(): number | null {
  return process.platform === 'linux' ? getPriority(0) : null;
}

/** What an import's reader thread runs at: it yields to calls and requests, and still runs at full speed on an idle machine. */
export const BULK_WORK_NICENESS = 10;
