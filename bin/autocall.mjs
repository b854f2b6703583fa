#!/usr/bin/env node
// The `autocall` command line of a checkout: the built CLI (out/main/cli.js), as the app ships it.
// `npm run cli` builds it first; the packaged app runs the same file (`AutoCall Scheduler --cli ...`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(`${cli} is not built yet: run \`npm run build\` (or \`npm run cli -- ARGS\`, which builds it) first.`);
  process.exit(2);
}
await import(cli);
