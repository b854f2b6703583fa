/**
 * The media thread's entry (issue 8): RTP pacing away from the core's event
 * loop, so an import, a page query or a burst of outcomes there cannot delay
 * a packet. It only wires the port to MediaEngine (worker/mediaEngine.ts);
 * the messages are worker/protocol.ts. Started by workerMedia.ts.
 */
import { parentPort } from 'node:worker_threads';
import { MediaEngine } from './worker/mediaEngine.js';
import type { MediaCommand } from './worker/protocol.js';

const port = parentPort;
if (!port) throw new Error('media.worker.ts runs as a worker thread (started by workerMedia.ts)');
const engine = new MediaEngine((event) => port.postMessage(event));
port.on('message', (command: MediaCommand) => engine.handle(command));
