import type { Worker } from 'node:worker_threads';

/**
 * A worker thread's messages, in order, as an async iterator: the worker's
 * 'error', or its exit before the caller stops, ends the iteration with that
 * error; leaving the loop (return, break, throw) terminates the worker. Used
 * by the workers of the MP3 decoder and the CSV parser, which pace
 * themselves by credits the caller posts back. The listeners are attached at
 * the first step of the loop; messages only arrive on a later turn of the
 * event loop, so none posted in reply to a credit sent just before is missed.
 */
export async function* messagesOf<T>(worker: Worker, name: string): AsyncGenerator<T, void, undefined> {
  const inbox: T[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: T) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure = err;
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`${name} worker exited with code ${code}`);
    notify();
  });
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      // One turn of the event loop per message. Node hands a port's queued messages over in one go
      // (MessagePort drains its queue in one callback, running microtasks between them), so a consumer
      // as fast as the worker would otherwise process a whole import without the loop turning once:
      // the host's requests, timers and sockets waited seconds (bench/host.ts).
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield inbox.shift()!;
    }
  } finally {
    worker.removeAllListeners();
    worker.on('error', () => {});
    await worker.terminate();
  }
}
