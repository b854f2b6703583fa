import { readFileSync } from 'node:fs';
import { forkHost } from '../core/host/fork.js';
import { inProcessHost } from '../core/host/inProcess.js';
import { AppError } from '../core/errors.js';
import { defaultDataDir } from '../core/paths.js';
import type { HostClient } from '../shared/host/client.js';
import type { HostInit } from '../shared/host/protocol.js';
import { CoreRefusal, escapeForTerminal, jsonForTerminal, makeOutput, UsageError, type CliHost, type Output } from './io.js';
import { recordingCommand } from './commands/recording.js';
import { rosterCommand } from './commands/roster.js';
import { templateCommand } from './commands/template.js';
import { smsAccountCommand } from './commands/smsAccount.js';
import { callsCommand, taskCommand } from './commands/task.js';
import { runCommand } from './commands/run.js';
import { callCommand, gatewayCommand, GATEWAY_USAGE } from './commands/gateway.js';
import { dncCommand } from './commands/dnc.js';
import { coded } from '../shared/messages/errorMessage.js';

/** Resolves with the exit code when it is not 0 (a test that found a problem); throws on errors. */
export type CommandRunner = (host: CliHost, args: string[], out: Output) => Promise<void | number>;

const COMMANDS: Record<string, CommandRunner> = {
  recording: recordingCommand,
  roster: rosterCommand,
  template: templateCommand,
  'sms-account': smsAccountCommand,
  task: taskCommand,
  calls: callsCommand,
  run: runCommand,
  gateway: gatewayCommand,
  call: callCommand,
  dnc: dncCommand,
};

export const USAGE = `autocall - AutoCall Scheduler without a window

Usage: autocall [--data-dir DIR] [--json] COMMAND ...

  recording add FILE [--name N]        upload an MP3 (validated and prepared for calls)
  recording list
  recording remove ID
  roster import FILE [--name N] [--phone-column C] [--preview]
                                       import an .xlsx or .csv roster (--preview: report only, keep nothing)
  roster list
  roster show ID [--page P] [--issues] entries (or unusable rows) of a roster, 50 per page
  roster remove ID
  template add --name N --text T
  template approve ID
  template reject ID --reason R
  template list
  sms-account set --provider twilio|vonage|infobip|zenziva|generic [--active|--inactive] [--FIELD VALUE ...]
                                       FIELD as in \`sms-account fields\`; a secret given as - is read from stdin
  sms-account fields                   the fields of each provider
  sms-account show
  sms-account test --to NUMBER [--text T]
  task create --name N --recording ID --roster ID (--now | --at "YYYY-MM-DD HH:mm")
              [--sms-disconnect TEMPLATE_ID] [--sms-unanswered TEMPLATE_ID]
              [--attempts N --retry-minutes M] [--window HH:mm-HH:mm]   times are WIB (Asia/Jakarta)
  task list | show ID | rename ID NAME | pause ID | resume ID | cancel ID | remove ID | retry-uncertain ID
  task uncertain-sms ID                 SMS a crash left uncertain (they may or may not have been sent)
  task resend-sms ID (--sms SMS_ID ... | --all) --yes
                                        send them again: the customer may receive them twice
  task call-again ID --name N [--outcomes busy,noAnswer,poweredOff,failed] [--at "YYYY-MM-DD HH:mm"]
  calls list --task ID [--outcome O] [--page P]
  calls export --task ID --out FILE.csv|FILE.xlsx
  run [--until-idle]                   schedule and dial without a window (one dialer per data folder)
  dnc add NUMBER [--note T]            put a number on the do-not-call list (tasks skip it, running ones too)
  dnc import FILE [--phone-column C]   add every number of an .xlsx or .csv file
  dnc list [--search S] [--page P]
  dnc remove NUMBER
${GATEWAY_USAGE}

Options:
  --data-dir DIR   the data folder (default: the desktop app's, ${defaultDataDir()})
  --json           machine-readable output
Exit code 0 on success, 1 on an error (the message says what to do), 2 on wrong usage.`;

/** package.json: one folder up from cli/ (sources) and two from out/main/ (built). */
function version(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'autocall-scheduler') return pkg.version;
    } catch {
      // Try the next place.
    }
  }
  return '0.0.0';
}

/**
 * Where the core runs for a command. `run` dials for as long as it runs: in
 * the core host process, forked, as the desktop app runs it. The short
 * commands open the core in this process over the same messages (a forked
 * process would only add its start-up time). Inside the packaged app the CLI
 * already runs in its own utility process, which cannot fork Node (the
 * RunAsNode fuse is off), so everything runs in it.
 */
function openHost(command: string, init: HostInit): Promise<HostClient> {
  return command === 'run' && !process.versions.electron ? forkHost(init) : inProcessHost(init);
}

export async function runCli(argv: string[], stdout = process.stdout, stderr = process.stderr): Promise<number> {
  // Global options come before the command; everything after it belongs to the command.
  let dataDir = defaultDataDir();
  let json = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--data-dir') dataDir = argv[++i] ?? '';
    else if (arg.startsWith('--data-dir=')) dataDir = arg.slice('--data-dir='.length);
    else if (arg === '--help' || arg === '-h') {
      stdout.write(USAGE + '\n');
      return 0;
    } else break;
  }
  const [name, ...rest] = argv.slice(i);
  // --json may also follow the command, where people tend to type it.
  if (rest.includes('--json')) {
    json = true;
    rest.splice(rest.indexOf('--json'), 1);
  }
  const out = makeOutput(json, stdout, stderr);
  const command = name ? COMMANDS[name] : undefined;
  if (!command || !dataDir) {
    stderr.write((name ? `Unknown command "${escapeForTerminal(name)}".\n\n` : '') + USAGE + '\n');
    return 2;
  }
  let client: HostClient | undefined;
  try {
    client = await openHost(name!, {
      dataDir,
      host: 'cli',
      version: version(),
      secrets: 'file-key',
      savePath: 'none',
      loginItem: 'none',
      ...(process.env.AUTOCALL_NATIVE_BINDING ? { nativeBinding: process.env.AUTOCALL_NATIVE_BINDING } : {}),
      ...tuningFromEnv(process.env),
    });
    return (await command({ api: client.api, client }, rest, out)) ?? 0;
  } catch (err) {
    return report(err, json, stdout, stderr);
  } finally {
    // Ends connected calls (a test call), closes the gateway and the store; a forked host then exits.
    if (client?.alive) await client.control('host.close', {});
    client?.disconnect();
  }
}

function report(err: unknown, json: boolean, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    if (json) stdout.write(jsonForTerminal({ ok: false, error: { code: 'cli.usage', message: err.message } }) + '\n');
    stderr.write(`${escapeForTerminal(err.message)}\nRun autocall --help for the commands.\n`);
    return 2;
  }
  const shape =
    err instanceof CoreRefusal
      ? err.shape
      : err instanceof AppError
        ? err.toJSON()
        : coded('internal', { detail: err instanceof Error ? err.message : String(err) });
  // Messages may quote what was typed or stored (a name with control characters): escaped like every output.
  if (json) stdout.write(jsonForTerminal({ ok: false, error: shape }) + '\n');
  stderr.write(`Error: ${escapeForTerminal(shape.message)}\n`);
  // An unexpected error's own text is kept out of the sentence (shared/messages) but a terminal user wants it.
  const detail = shape.code === 'internal' ? shape.params?.detail : undefined;
  if (detail !== undefined) stderr.write(`Detail: ${escapeForTerminal(String(detail))}\n`);
  return 1;
}

/**
 * Knobs for trying the flow and for the crash tests, read from the
 * environment (documented in the README): how long a dry-run call lasts,
 * the dry-run journal, the dialer lease TTL.
 */
function tuningFromEnv(env: NodeJS.ProcessEnv): Pick<HostInit, 'dryRun' | 'engine'> {
  const num = (v: string | undefined) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const callMs = num(env.AUTOCALL_DRY_RUN_CALL_MS);
  const leaseTtlMs = num(env.AUTOCALL_LEASE_TTL_MS);
  const channels = num(env.AUTOCALL_DRY_RUN_CHANNELS);
  const callsPerSecond = num(env.AUTOCALL_DRY_RUN_CPS);
  return {
    dryRun: {
      ...(callMs !== undefined ? { callMs } : {}),
      ...(channels !== undefined ? { channels } : {}),
      ...(callsPerSecond !== undefined ? { callsPerSecond } : {}),
      ...(env.AUTOCALL_DRY_RUN_JOURNAL ? { journal: env.AUTOCALL_DRY_RUN_JOURNAL } : {}),
    },
    engine: { ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}) },
  };
}
