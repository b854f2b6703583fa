#!/usr/bin/env node
// The `autocall` command line: the same core as the desktop app, without a window.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
