import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { makeTempDir } from './tmp.js';

/** The scenario folder of the SIP tests. */
export const SIPP_SCENARIOS = resolve(import.meta.dirname, '../sipp');

export interface SippOptions {
  /** A scenario file name in tests/sipp/ or an absolute path, or a built-in ("uas", "uac"). */
  scenario: string;
  transport?: 'udp' | 'tcp';
  /** Number of calls before sipp exits (-m). */
  calls?: number;
  /** Extra arguments: -key name value, -r rate, a remote host for uac... */
  args?: string[];
  /** Global timeout in seconds (-timeout). */
  timeoutSeconds?: number;
  /** Log every message to a file (-trace_msg; default true). A bench with thousands of calls leaves it off to spare sipp's CPU. */
  traceMessages?: boolean;
}

export interface SippRun {
  host: '127.0.0.1';
  port: number;
  process: ChildProcess;
  /** Resolves when sipp exits: its exit code (0 = every call passed the scenario) and output. */
  exited: Promise<{ code: number | null; output: string; errors: string; messages: string }>;
  kill(): Promise<void>;
}

/** A free port on 127.0.0.1 for sipp (bound and released: tiny race accepted in tests). */
export async function freePort(transport: 'udp' | 'tcp' = 'udp'): Promise<number> {
  if (transport === 'tcp') {
    return new Promise((res, rej) => {
      const server = createServer();
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => res(port));
      });
    });
  }
  return new Promise((res, rej) => {
    const socket = createSocket('udp4');
    socket.once('error', rej);
    socket.bind(0, '127.0.0.1', () => {
      const port = socket.address().port;
      socket.close(() => res(port));
    });
  });
}

/**
 * A range of `size` UDP ports on 127.0.0.1 that nothing holds now, for a
 * test core's RTP (fixed ranges collide with other runs on the machine).
 * Checked against /proc/net/udp; a random start makes two runs unlikely to
 * pick the same range in the moment between the check and the bind.
 */
export function freePortRange(size: number): { rtpPortMin: number; rtpPortMax: number } {
  for (let tries = 0; tries < 50; tries++) {
    const start = 20000 + 2 * Math.floor(Math.random() * ((40000 - size) / 2));
    let free = true;
    for (let port = start; port < start + size && free; port++) free = !isBound(port, 'udp');
    if (free) return { rtpPortMin: start, rtpPortMax: start + size - 1 };
  }
  throw new Error(`no free range of ${size} UDP ports found`);
}

/** Is a socket bound to 127.0.0.1:port (UDP) or listening (TCP)? Read from /proc/net. */
function isBound(port: number, transport: 'udp' | 'tcp'): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync(transport === 'udp' ? '/proc/net/udp' : '/proc/net/tcp', 'utf8');
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    const local = cols[1] ?? '';
    return local.endsWith(`:${hexPort}`) && (transport === 'udp' || cols[3] === '0A');
  });
}

/**
 * Starts sipp in the foreground as a child process on 127.0.0.1 with a free
 * port and waits until its SIP socket is bound.
 */
export async function startSipp(options: SippOptions): Promise<SippRun> {
  const transport = options.transport ?? 'udp';
  const port = await freePort(transport);
  const work = makeTempDir('sipp-');
  const builtIn = options.scenario === 'uas' || options.scenario === 'uac';
  const scenarioArgs = builtIn
    ? ['-sn', options.scenario]
    : ['-sf', options.scenario.startsWith('/') ? options.scenario : join(SIPP_SCENARIOS, options.scenario)];
  const args = [
    ...scenarioArgs,
    '-i', '127.0.0.1',
    '-p', String(port),
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-m', String(options.calls ?? 1),
    '-timeout', `${options.timeoutSeconds ?? 30}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err', '-error_file', join(work.dir, 'errors.log'),
    ...(options.traceMessages === false ? [] : ['-trace_msg', '-message_file', join(work.dir, 'messages.log')]),
    ...(options.args ?? []),
  ];
  const child = spawn('sipp', args, { cwd: work.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-20_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-20_000);
  });
  const read = (name: string): string => {
    const file = join(work.dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  const exited = new Promise<{ code: number | null; output: string; errors: string; messages: string }>((res) => {
    child.on('exit', (code) => {
      const result = { code, output, errors: read('errors.log'), messages: read('messages.log') };
      work.cleanup();
      res(result);
    });
  });
  const deadline = Date.now() + 10_000;
  while (!isBound(port, transport)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const result = await exited;
      throw new Error(`sipp did not start (exit ${result.code}): ${result.output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    host: '127.0.0.1',
    port,
    process: child,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface UdpRelay {
  port: number;
  /** Where the relay forwards what the UA sends (sipp's address, known once sipp runs). */
  setTarget(target: { host: string; port: number }): void;
  /** Messages the relay dropped (their first line). */
  dropped: string[];
  close(): Promise<void>;
}

/**
 * A UDP relay between our UA and sipp that drops chosen messages, to make
 * "lost" packets real (e.g. our first ACK, so that sipp retransmits its 200).
 * The first peer to send is taken as the UA; everything else is sipp.
 */
export async function startLossyRelay(drop: (text: string, fromUa: boolean) => boolean): Promise<UdpRelay> {
  const socket = createSocket('udp4');
  const target = { host: '127.0.0.1', port: 0 };
  const dropped: string[] = [];
  let ua: { address: string; port: number } | null = null;
  socket.on('message', (data, rinfo) => {
    const fromTarget = rinfo.address === target.host && rinfo.port === target.port;
    if (!fromTarget && !ua) ua = { address: rinfo.address, port: rinfo.port };
    const text = data.toString('utf8');
    if (drop(text, !fromTarget)) {
      dropped.push(text.split('\r\n')[0] ?? '');
      return;
    }
    if (fromTarget) {
      if (ua) socket.send(data, ua.port, ua.address);
    } else {
      socket.send(data, target.port, target.host);
    }
  });
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', () => res()));
  return {
    port: socket.address().port,
    setTarget: (t) => Object.assign(target, t),
    dropped,
    close: () => new Promise((res) => socket.close(() => res())),
  };
}

export interface KamailioRun {
  port: number;
  output(): string;
  kill(): Promise<void>;
}

/**
 * Starts kamailio in the foreground (`-DD -E`) with tests/sipp/kamailio/kamailio.cfg,
 * its own runtime dir, on a free 127.0.0.1 UDP port, relaying authenticated
 * INVITEs to `sippPort`; waits until its socket is bound.
 */
export async function startKamailio(options: { sippPort: number; user: string; password: string }): Promise<KamailioRun> {
  const port = await freePort('udp');
  const work = makeTempDir('kamailio-');
  const template = readFileSync(join(SIPP_SCENARIOS, 'kamailio', 'kamailio.cfg'), 'utf8');
  const cfg = template
    .replaceAll('__LISTEN_PORT__', String(port))
    .replaceAll('__SIPP_PORT__', String(options.sippPort))
    .replaceAll('__USER__', options.user)
    .replaceAll('__PASSWORD__', options.password);
  const cfgFile = join(work.dir, 'kamailio.cfg');
  writeFileSync(cfgFile, cfg);
  const child = spawn('kamailio', ['-DD', '-E', '-f', cfgFile, '-Y', work.dir, '-P', join(work.dir, 'kamailio.pid'), '-w', work.dir], {
    cwd: work.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-50_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const deadline = Date.now() + 10_000;
  while (!isBound(port, 'udp')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      work.cleanup();
      throw new Error(`kamailio did not start: ${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // the main process stops its own children
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      work.cleanup();
    },
  };
}
