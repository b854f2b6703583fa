/**
 * The media thread's entry (issue 8): RTP pacing away from the core's event
 * loop, so an import, a page query or a burst of outcomes there cannot delay
 * a packet. It wires the port to MediaEngine (worker/mediaEngine.ts); the
 * messages are worker/protocol.ts. Started by workerMedia.ts.
 *
 * On Linux it first asks the OS to run this thread first, as PipeWire's
 * module-rt does for its data thread: real-time round-robin scheduling where
 * the user may have it (RLIMIT_RTPRIO, as the `audio` group usually grants),
 * else niceness -11, PipeWire's own fallback. When other programs keep both
 * cores busy, a thread at the default priority waits its turn for
 * milliseconds, which is the packet's error; a niceness only shortens that
 * wait, real time removes it (bench/combined.ts shows both). Without either
 * right the thread keeps its priority; the `ready` event says what it got.
 * The thread only paces and sends (its work is bounded by the calls open),
 * so running it in real time cannot starve the machine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { requestRealtime, setThreadNiceness, threadScheduling } from '../../workers/threadPriority.js';
import { configureSharedRtpClock } from './rtpClock.js';
import { MediaEngine } from './worker/mediaEngine.js';
import type { MediaCommand, MediaEvent, MediaWorkerData } from './worker/protocol.js';

/** Low among real-time threads: the kernel's interrupt threads (50) still come first. */
const MEDIA_THREAD_RT_PRIORITY = 10;
/** PipeWire's module-rt fallback niceness. */
const MEDIA_THREAD_NICE = -11;

const port = parentPort;
if (!port) throw new Error('media.worker.ts runs as a worker thread (started by workerMedia.ts)');
const data = (workerData ?? {}) as Partial<MediaWorkerData>;

if (data.raisePriority !== false && !requestRealtime(MEDIA_THREAD_RT_PRIORITY)) setThreadNiceness(MEDIA_THREAD_NICE);

if (data.clock) configureSharedRtpClock(data.clock);

const post = (event: MediaEvent) => port.postMessage(event);
const engine = new MediaEngine(post);
port.on('message', (command: MediaCommand) => engine.handle(command));
post({ type: 'ready', scheduling: threadScheduling() });
