/**
 * The media thread's entry (issue 8): RTP pacing away from the core's event
 * loop, so an import, a page query or a burst of outcomes there cannot delay
 * a packet. It wires the port to MediaEngine (worker/mediaEngine.ts); the
 * messages are worker/protocol.ts. Started by workerMedia.ts.
 *
 * On Linux it first asks for a higher scheduling priority for this thread
 * only (setpriority on the calling thread, NPTL): when other programs keep
 * both cores busy, a thread at the default priority waits its turn for
 * milliseconds, which is the packet's error. Audio servers do the same
 * (PipeWire's module-rt falls back to nice -11 without real-time). Without
 * the right (an ordinary user's RLIMIT_NICE is 0) the thread keeps its
 * priority; the `ready` event says which.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNiceness, threadNiceness } from '../../workers/threadPriority.js';
import { configureSharedRtpClock } from './rtpClock.js';
import { MediaEngine } from './worker/mediaEngine.js';
import type { MediaCommand, MediaEvent, MediaWorkerData } from './worker/protocol.js';

/** PipeWire's module-rt fallback niceness. */
const MEDIA_THREAD_NICE = -11;

const port = parentPort;
if (!port) throw new Error('media.worker.ts runs as a worker thread (started by workerMedia.ts)');
const data = (workerData ?? {}) as Partial<MediaWorkerData>;

if (data.raisePriority !== false) setThreadNiceness(MEDIA_THREAD_NICE);
const niceness = threadNiceness();

if (data.clock) configureSharedRtpClock(data.clock);

const post = (event: MediaEvent) => port.postMessage(event);
const engine = new MediaEngine(post);
port.on('message', (command: MediaCommand) => engine.handle(command));
post({ type: 'ready', niceness });
