/**
 * The command line's built entry (out/main/cli.js): `autocall` in a checkout
 * (bin/autocall.mjs), and inside the packaged app, where main starts it in a
 * utility process for `AutoCall Scheduler --cli ...`.
 */
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
