/**
 * Worker threads from typed TypeScript entries, the same way in every mode.
 *
 * How to add a worker:
 *   1. Write its entry as `core/<feature>/<name>.worker.ts`: plain typed code
 *      that reads `workerData` and `parentPort` from node:worker_threads and
 *      imports what it needs (npm packages, other core modules). Export the
 *      types of its workerData and messages from it.
 *   2. Where it is used: `import startX from './<name>.worker?nodeWorker';`
 *      then `startX({ workerData, transferList })` gives a node:worker_threads
 *      Worker; import the message types with `import type` from the entry.
 *   Nothing else to register: the build finds the entry through the import.
 *
 * How the import becomes a Worker:
 *   - built (`electron-vite build`): electron-vite's own `?nodeWorker` plugin
 *     emits the entry as a chunk of out/main and the import becomes
 *     `new Worker(new URL('./chunks/x.worker-HASH.js', import.meta.url))`;
 *     this file is not part of the build.
 *   - vitest (sources): `nodeWorkerFromSource()` (core/workers/vitePlugin.ts,
 *     in vite.config.ts) resolves the import to `sourceWorkerModule(path)`.
 *   - the dev loader (bin/run-ts.mjs: tsx plus bin/dev-hooks.mjs, never
 *     shipped): its resolve/load hooks give the same module.
 * In both source modes the thread starts sourceWorkerBoot.mjs, which
 * registers tsx in the new thread (Node does not carry a loader registered
 * with `module.register` into workers, nor does `--import` in a worker's
 * execArgv run before its entry) and imports the entry. tsx is a
 * devDependency: only source modes need it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export type WorkerFactory = (options: WorkerOptions) => Worker;

/** The module that stands in for `import x from '<path>?nodeWorker'` when running sources. */
export function sourceWorkerModule(entryPath: string): string {
  const self = pathToFileURL(join(import.meta.dirname, 'nodeWorker.ts')).href;
  return `import { sourceWorkerFactory } from ${JSON.stringify(self)};\nexport default sourceWorkerFactory(${JSON.stringify(entryPath)});\n`;
}

let tsxApi: string | undefined;

/** A factory starting the TypeScript entry at `entryPath` under tsx in a worker thread. */
export function sourceWorkerFactory(entryPath: string): WorkerFactory {
  return (options) => {
    // tsx's ESM API (its "import" condition): require.resolve would give the CommonJS one.
    tsxApi ??= pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const boot = new URL('./sourceWorkerBoot.mjs', pathToFileURL(join(import.meta.dirname, 'nodeWorker.ts')));
    // The boot script takes its two arguments off the end of process.argv before the entry runs.
    return new Worker(boot, { ...options, argv: [...(options.argv ?? []), tsxApi, pathToFileURL(entryPath).href] });
  };
}
