#!/usr/bin/env node
// Runs a TypeScript entry of this checkout under Node with the tsx loader:
//   node bin/run-ts.mjs bench/index.ts [args...]
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bin/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
register();
process.argv = [process.argv[0], resolve(entry), ...rest];
const mod = await import(pathToFileURL(resolve(entry)).href);
if (typeof mod.main === 'function' && process.env.AUTOCALL_NO_MAIN !== '1') await mod.main(rest);
