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
 * user may lack (RLIMIT_RTPRIO for real time, RLIMIT_NICE for a negative
 * niceness; many distributions grant both to the `audio` group for JACK and
 * PipeWire); lowering is always allowed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { ThreadScheduling } from '../../shared/host/protocol.js';

/** Asks for a Linux niceness, -20 (first) to 19 (last; 0 is the default), for the calling thread; best effort. */
export function setThreadNiceness(niceness: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, niceness);
  } catch {
    // not permitted: the thread keeps its priority
  }
}

/**
 * Asks for real-time round-robin scheduling (SCHED_RR at `priority`) for the
 * calling thread on Linux; true when the thread now runs so. A real-time
 * thread runs the moment it wakes, ahead of every ordinary thread, where a
 * niceness only gives it a larger share: under a busy machine the difference
 * is the milliseconds a packet waits (docs/ARCHITECTURE.md "Media thread").
 *
 * Node has no call for sched_setscheduler, so util-linux's `chrt` (on every
 * mainstream distribution) sets it on this thread's id, read from
 * /proc/thread-self. `--reset-on-fork`: what this thread starts does not
 * inherit it. Without the right (RLIMIT_RTPRIO 0: most users outside the
 * `audio` group), or without chrt, nothing changes and false comes back.
 *
 * No RLIMIT_RTTIME watchdog (PipeWire's, through RealtimeKit): it ends the
 * whole process with SIGXCPU once a real-time thread has run that long
 * without sleeping, and the media thread legitimately runs without sleeping
 * while it catches up after falling behind. Set at 200 ms it killed the
 * bench process, and every call in it, during `npm run bench -- rtp`'s
 * import. A thread that spun for ever would be held by the kernel's
 * real-time throttling (95 % of a CPU at most), leaving the other cores.
 */
export function requestRealtime(priority: number): boolean {
  if (process.platform !== 'linux') return false;
  const chrt = utilLinux('chrt');
  if (!chrt) return false;
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').at(-1)!;
    execFileSync(chrt, ['--rr', '--reset-on-fork', '--pid', String(priority), tid], { stdio: 'ignore', timeout: 2000 });
  } catch {
    // not permitted: the thread keeps its scheduling
  }
  return threadScheduling().realtimePriority !== null;
}

/** A util-linux tool by absolute path, where distributions install it, so the user's PATH cannot put another program in its place. */
function utilLinux(tool: string): string | undefined {
  return [`/usr/bin/${tool}`, `/bin/${tool}`].find((path) => existsSync(path));
}

/** The calling thread's scheduling, read back from the kernel (/proc/thread-self/stat). */
export function threadScheduling(): ThreadScheduling {
  if (process.platform !== 'linux') return { realtimePriority: null, niceness: null };
  const niceness = getPriority(0);
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): rt_priority is field 40, policy 41 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rtPriority = Number(fields[40 - 3]);
    const policy = Number(fields[41 - 3]);
    // SCHED_FIFO 1, SCHED_RR 2.
    return { realtimePriority: (policy === 1 || policy === 2) && rtPriority > 0 ? rtPriority : null, niceness };
  } catch {
    return { realtimePriority: null, niceness };
  }
}

/** What an import's reader thread runs at: it yields to calls and requests, and still runs at full speed on an idle machine. */
export const BULK_WORK_NICENESS = 10;
