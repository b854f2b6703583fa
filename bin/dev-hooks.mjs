// Node module hooks for the dev loader (bin/run-ts.mjs, never shipped): `import x from './y.worker?nodeWorker'`
// becomes the module of core/workers/nodeWorker.ts that starts the entry from source under tsx.
// Registered after tsx, so these run first and hand everything else to tsx.
import { fileURLToPath } from 'node:url';

const QUERY = '?nodeWorker';
const mechanism = new URL('../core/workers/nodeWorker.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (!specifier.endsWith(QUERY)) return nextResolve(specifier, context);
  const entry = await nextResolve(specifier.slice(0, -QUERY.length), context);
  return { url: entry.url + QUERY, format: 'module', shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith(QUERY)) return nextLoad(url, context);
  const entry = fileURLToPath(url.slice(0, -QUERY.length));
  const source = `import { sourceWorkerFactory } from ${JSON.stringify(mechanism)};\nexport default sourceWorkerFactory(${JSON.stringify(entry)});\n`;
  return { format: 'module', source, shortCircuit: true };
}
