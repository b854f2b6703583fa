/**
 * The anchor of bench/rtp.ts: the barest pacing loop a thread can run, one
 * Atomics.wait to each 20 ms grid time and nothing else (no packets, no
 * busy-wait), measuring how late each wake-up is. It shows what the OS gives
 * a thread on this machine under the same load, beside which the media
 * worker's send-time error is judged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { requestRealtime, setThreadNiceness } from '../core/workers/threadPriority.js';
import type { ThreadScheduling } from '../shared/host/protocol.js';

export interface AnchorData {
  periodMs: number;
  /** control[0] = 1 asks the loop to stop and report. */
  control: Int32Array;
  /** Run as the media thread runs (real time, or its niceness), to compare like with like; null keeps the default. */
  scheduling: ThreadScheduling | null;
}

export interface AnchorReport {
  wakeUps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const { periodMs, control, scheduling } = workerData as AnchorData;
if (scheduling?.realtimePriority != null) requestRealtime(scheduling.realtimePriority);
else if (scheduling?.niceness != null) setThreadNiceness(scheduling.niceness);
parentPort!.postMessage('started');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const periodNs = periodMs * 1e6;
const origin = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - origin);
let errors = new Float64Array(1 << 16);
let n = 0;
for (let tick = 1; Atomics.load(control, 0) === 0; tick++) {
  const due = tick * periodNs;
  const wait = due - now();
  if (wait > 0) Atomics.wait(sleeper, 0, 0, wait / 1e6);
  const late = (now() - due) / 1e6;
  if (late > periodMs) tick += Math.floor(late / periodMs); // a long stall: go on from the present
  if (n === errors.length) {
    const grown = new Float64Array(errors.length * 2);
    grown.set(errors);
    errors = grown;
  }
  errors[n++] = Math.max(0, late);
}
const sorted = errors.slice(0, n).sort();
const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? NaN;
parentPort!.postMessage({ wakeUps: n, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[n - 1] ?? NaN } satisfies AnchorReport);
