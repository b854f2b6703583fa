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
 * In both source modes the entry is bundled with esbuild (tsx's own, so a
 * devDependency) into one ESM file under node_modules/.cache, npm packages
 * left as imports, and the thread starts that file: registering tsx in the
 * thread instead (sourceWorkerBoot.mjs: Node does not carry a loader
 * registered with `module.register` into workers, nor does `--import` in a
 * worker's execArgv run before its entry) cost ~0.3 s at each start and a
 * second hooks thread, tens of MB (bench/roster.ts's peak RSS). The boot
 * script stays for an entry esbuild cannot bundle on its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export type WorkerFactory = (options: WorkerOptions) => Worker;

/** The module that stands in for `import x from '<path>?nodeWorker'` when running sources. */
export function sourceWorkerModule(entryPath: string): string {
  const self = pathToFileURL(join(import.meta.dirname, 'nodeWorker.ts')).href;
  return `import { sourceWorkerFactory } from ${JSON.stringify(self)};\nexport default sourceWorkerFactory(${JSON.stringify(entryPath)});\n`;
}

let tsxApi: string | undefined;
/** Bundles made by this process, by entry path: sources do not change while a test file or a bench runs. */
const bundles = new Map<string, string>();

/** A factory starting the TypeScript entry at `entryPath` in a worker thread, bundled (or under tsx when it cannot be). */
export function sourceWorkerFactory(entryPath: string): WorkerFactory {
  return (options) => {
    const bundle = bundledEntry(entryPath);
    if (bundle !== null) return new Worker(bundle, options);
    // tsx's ESM API (its "import" condition): require.resolve would give the CommonJS one.
    tsxApi ??= pathToFileURL(join(tsxDir(), 'dist/esm/api/index.mjs')).href;
    const boot = new URL('./sourceWorkerBoot.mjs', pathToFileURL(join(import.meta.dirname, 'nodeWorker.ts')));
    // The boot script takes its two arguments off the end of process.argv before the entry runs.
    return new Worker(boot, { ...options, argv: [...(options.argv ?? []), tsxApi, pathToFileURL(entryPath).href] });
  };
}

function tsxDir(): string {
  return dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
}

interface EsbuildApi {
  buildSync(options: Record<string, unknown>): { outputFiles?: { contents: Uint8Array }[] };
}

/**
 * The entry and the checkout's modules it imports as one ESM file (npm
 * packages stay imports, resolved from the checkout's node_modules), named by
 * its content: several test processes bundling the same entry write the same
 * file, each by an atomic rename. A URL, or null when esbuild fails on it.
 */
function bundledEntry(entryPath: string): URL | null {
  let file = bundles.get(entryPath);
  if (file === undefined) {
    const esbuild = createRequire(join(tsxDir(), 'package.json'))('esbuild') as EsbuildApi;
    let contents: Uint8Array;
    try {
      const result = esbuild.buildSync({
        entryPoints: [entryPath],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        sourcemap: 'inline',
        write: false,
        logLevel: 'silent',
      });
      contents = result.outputFiles![0]!.contents;
    } catch {
      return null;
    }
    const dir = join(import.meta.dirname, '../../node_modules/.cache/autocall-workers');
    const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
    file = join(dir, `${basename(entryPath, '.ts')}-${hash}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, contents);
      renameSync(temp, file);
    }
    bundles.set(entryPath, file);
  }
  return pathToFileURL(file);
}
