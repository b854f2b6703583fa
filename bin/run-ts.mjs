#!/usr/bin/env node
// The dev loader (a checkout only, never shipped): runs a TypeScript entry of this checkout under Node
// with tsx, plus the hooks for `?nodeWorker` imports (core/workers/nodeWorker.ts):
//   node bin/run-ts.mjs bench/index.ts [args...]
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bin/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
register();
registerHooks('./dev-hooks.mjs', import.meta.url);
process.argv = [process.argv[0], resolve(entry), ...rest];
const mod = await import(pathToFileURL(resolve(entry)).href);
if (typeof mod.main === 'function' && process.env.AUTOCALL_NO_MAIN !== '1') await mod.main(rest);
