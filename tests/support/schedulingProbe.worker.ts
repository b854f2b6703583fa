/**
 * A thread that asks for a scheduling and reports what it got
 * (core/workers/threadPriority.test.ts): the request is made on a thread of
 * its own, as the media thread makes it, so the test's thread keeps its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { requestRealtime, setThreadNiceness, threadScheduling } from '../../core/workers/threadPriority.js';

export type SchedulingAsk = { realtime: number } | { niceness: number };

const ask = workerData as SchedulingAsk;
const granted = 'realtime' in ask ? requestRealtime(ask.realtime) : (setThreadNiceness(ask.niceness), true);
parentPort!.postMessage({ granted, scheduling: threadScheduling() });
