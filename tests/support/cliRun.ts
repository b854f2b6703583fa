import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/main.js';

/** The command line run in this process on a data folder, as a user would type it: its exit code and what it printed. */
export async function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await runCli(['--data-dir', dataDir, ...args], stdout as unknown as typeof process.stdout, stderr as unknown as typeof process.stderr);
  return { code, stdout: out, stderr: err };
}
