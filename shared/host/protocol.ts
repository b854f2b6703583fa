import type { EventName } from '../contract/operations.js';
import type { AppErrorShape, Result } from '../result.js';
import type { AppInfo, CallOutcome } from '../types.js';

/**
 * What travels between the core host process and its parent (Electron's
 * main, the command line, the test bridge, the bench). The contract's own
 * operations are carried as they are (`call`: {id, op, input} answered by a
 * Result), so an operation added to shared/contract needs nothing here;
 * the two small typed maps below are only what the host needs beyond the
 * contract. Messages are structured-cloned (Electron's MessagePort, Node's
 * IPC with `serialization: 'advanced'`), so Uint8Arrays cross as they are.
 */

/** What the host asks its parent for. Only the desktop's main answers them; elsewhere the host does without (see HostInit). */
export interface ParentRequests {
  /** safeStorage.encryptString (the host's sealed credential key, core/credentials/sealedKeyBox.ts). */
  'secrets.encrypt': { input: { plain: string }; output: { ciphertext: Uint8Array } };
  /** safeStorage.decryptString. */
  'secrets.decrypt': { input: { ciphertext: Uint8Array }; output: { plain: string } };
  /** The save dialog of an export; null when the user cancels. */
  'dialog.pickSavePath': { input: { suggestedName: string }; output: { path: string | null } };
  /** app.setLoginItemSettings (Settings > start at login). */
  'app.setLoginItem': { input: { enabled: boolean }; output: null };
}
export type ParentRequestName = keyof ParentRequests;

/** Host operations beyond the contract: the engine's life, and what the command line and tests need. */
export interface HostControls {
  /** Starts the scheduler and the dialing engine (the lease decides whether this process dials). */
  'engine.start': { input: Record<string, never>; output: null };
  /** Pauses new calls, lets connected ones end and be written, stops the gateway. */
  'engine.stop': { input: Record<string, never>; output: null };
  /** No task running or due, no call or SMS in flight (`autocall run --until-idle`). */
  'engine.idle': { input: Record<string, never>; output: boolean };
  /** A task is scheduled or running: closing the window keeps the app in the tray. */
  'tasks.pending': { input: Record<string, never>; output: boolean };
  /** `autocall calls export --out FILE`: the path comes from the command line, not a dialog. */
  'task.exportTo': { input: { id: number; format: 'csv' | 'xlsx'; path: string }; output: { path: string; rows: number } };
  /** Tests only (HostInit.testClock): moves the core's clock. */
  'test.shiftClock': { input: { offsetMs: number }; output: null };
  /**
   * Benches and tests only (HostInit.mediaProbe): from now on the media thread times every RTP
   * packet it sends against the packet's grid time; earlier figures are dropped. Starts the
   * thread if no call has yet.
   */
  'test.mediaProbeStart': { input: Record<string, never>; output: null };
  /** Benches and tests only (HostInit.mediaProbe): the send-time figures since `test.mediaProbeStart`; the probe goes on. */
  'test.mediaProbeReport': { input: Record<string, never>; output: MediaProbeFigures };
  /** Stops the engine and closes the store; the host process then exits. */
  'host.close': { input: Record<string, never>; output: null };
}
export type HostControlName = keyof HostControls;

/**
 * The media thread's RTP timing as the bench reads it from a running host
 * (bench/combined.ts): each packet's send time against its ideal 20 ms grid
 * time, taken just before the datagram goes to the kernel. NaN where no
 * packet was sent.
 */
export interface MediaProbeFigures {
  /** Packets timed since the probe started. */
  packets: number;
  /** Seconds since the probe started: packets / seconds is 50 a second per streaming call at 20 ms. */
  seconds: number;
  /** |send time - grid time| in ms: median, 99th percentile, largest. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of packets sent more than 2 ms off their grid time. */
  over2MsShare: number;
  /** The media thread's own event-loop delay p99 (ms). */
  loopDelayP99Ms: number;
  /** The core host's main thread (the one that answers requests and writes an import), its event-loop delay since the probe started: p99 and largest (ms). */
  hostLoopDelayP99Ms: number;
  hostLoopDelayMaxMs: number;
  /** RTP sessions open on the media thread now (one per call with media). */
  sessions: number;
  /** How the OS schedules the media thread: a bench runs its anchor the same way. */
  scheduling: ThreadScheduling;
}

/** How the OS schedules a thread (Linux; elsewhere both are null). core/workers/threadPriority.ts sets and reads it. */
export interface ThreadScheduling {
  /** SCHED_RR's priority (1-99) when the thread runs in real time, else null. */
  realtimePriority: number | null;
  /** The thread's niceness (-20 first, 19 last), which counts while it is not real-time. */
  niceness: number | null;
}

/** How the parent starts the core, sent once as the first message. */
export interface HostInit {
  dataDir: string;
  host: AppInfo['host'];
  version: string;
  /** better_sqlite3.node built for the running runtime (Electron's, in the desktop app). */
  nativeBinding?: string;
  /** 'keychain': credentials sealed through the parent's safeStorage; 'file-key': the 0600 key file, as the CLI does. */
  secrets: 'keychain' | 'file-key';
  /** Where an export from the window goes: the parent's save dialog, <data>/exports (the test bridge), or nowhere (the CLI). */
  savePath: 'ask-parent' | 'exports-folder' | 'none';
  /** Settings > start at login is carried out by the parent (the desktop app) or not at all. */
  loginItem: 'ask-parent' | 'none';
  /** Start scheduling and dialing as soon as the core is open. */
  startEngine?: boolean;
  /** The dry-run gateway's behaviour and the engine's timing (tests and the CLI's environment knobs). */
  dryRun?: { callMs?: number; channels?: number; callsPerSecond?: number; seed?: number; journal?: string; mix?: Partial<Record<CallOutcome, number>> };
  engine?: { tickMs?: number; leaseTtlMs?: number };
  /** Tests only: a clock that `test.shiftClock` can move. */
  testClock?: boolean;
  /** Benches and tests only: answer `test.mediaProbeStart` / `test.mediaProbeReport` (the desktop app never sets it). */
  mediaProbe?: boolean;
}

export type ToHost =
  | { t: 'init'; init: HostInit }
  /** `op` as the window sent it: the host refuses one that is not in the contract. */
  | { t: 'call'; id: number; op: string; input: unknown }
  | { t: 'control'; id: number; op: HostControlName; input: unknown }
  | { t: 'reply'; id: number; result: Result<unknown> };

export type FromHost =
  | { t: 'ready'; pid: number }
  | { t: 'failed'; error: AppErrorShape }
  | { t: 'result'; id: number; result: Result<unknown> }
  | { t: 'event'; event: EventName; payload: unknown }
  | { t: 'ask'; id: number; op: ParentRequestName; input: unknown };

/**
 * One end of the link between the host and its parent, whatever carries it:
 * Electron's utilityProcess / parentPort, Node's child_process IPC, or an
 * in-process MessageChannel (the CLI's short commands).
 */
export interface Link<Out, In> {
  send(message: Out): void;
  /** Sets the one receiver of incoming messages. */
  onMessage(receive: (message: In) => void): void;
  /** The other end went away (the process exited, the channel closed). */
  onClose(closed: (reason: string) => void): void;
  close(): void;
}
