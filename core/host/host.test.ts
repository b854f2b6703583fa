import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostClient } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import type { Result } from '../../shared/result.js';
import { makeMp3 } from '../../tests/support/mp3Files.js';
import { startSipp, type SippRun } from '../../tests/support/sipp.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { openDatabase } from '../db/database.js';
import { dataPaths } from '../paths.js';
import { forkHost } from './fork.js';
import { inProcessHost } from './inProcess.js';

const init = (dataDir: string, changes: Partial<HostInit> = {}): HostInit => ({
  dataDir,
  host: 'cli',
  version: 'test',
  secrets: 'file-key',
  savePath: 'none',
  loginItem: 'none',
  ...changes,
});

describe('the core host protocol', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let host: HostClient | undefined;
  let sipp: SippRun | undefined;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(async () => {
    if (host?.alive) await host.control('host.close', {});
    host?.disconnect();
    host = undefined;
    await sipp?.kill();
    sipp = undefined;
    tmp.cleanup();
  });

  it('answers the contract through buildApi, refuses unknown operations and bad input, and forwards events', async () => {
    host = await inProcessHost(init(join(tmp.dir, 'data')));
    expect(await host.api.template.list({})).toEqual({ ok: true, value: [] });
    expect(await host.dispatch('nothing.here', {})).toMatchObject({ ok: false, error: { code: 'contract.unknownOperation' } });
    expect(await host.dispatch('template.create', { name: 'x' })).toMatchObject({ ok: false, error: { code: 'contract.invalidInput' } });
    expect(await host.control('tasks.pending', {})).toEqual({ ok: true, value: false });

    const progress: unknown[] = [];
    const stop = host.api.subscribe('roster.importProgress', (p) => progress.push(p));
    const csv = join(tmp.dir, 'roster.csv');
    writeFileSync(csv, 'Nama;Nomor HP\n' + Array.from({ length: 50 }, (_, i) => `P ${i};0812${String(3456000 + i)}`).join('\n') + '\n');
    const analysis = await host.api.roster.analyze({ path: csv });
    stop();
    expect(analysis.ok && analysis.value.kind === 'staged' && analysis.value.roster.validCount).toBe(50);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('asks the parent to seal its credential key once, then keeps credentials sealed without asking again', async () => {
    const asked: string[] = [];
    host = await inProcessHost(init(join(tmp.dir, 'data'), { secrets: 'keychain', savePath: 'ask-parent' }), {
      'secrets.encrypt': ({ plain }) => (asked.push('encrypt'), { ciphertext: new Uint8Array(Buffer.from(`k:${plain}`)) }),
      'secrets.decrypt': ({ ciphertext }) => (asked.push('decrypt'), { plain: Buffer.from(ciphertext).toString().slice(2) }),
    });
    expect(asked).toEqual(['encrypt']); // a new sealed key
    const saved = await host.api.gateway.save({ settings: { ...(await gatewayDefaults(host)), mode: 'dryRun' }, password: 'Sup3r-Secret' });
    expect(saved).toMatchObject({ ok: true, value: { passwordSet: true } });
    expect(asked).toEqual(['encrypt']);
    const db = openDatabase(dataPaths(join(tmp.dir, 'data')).database);
    const stored = db.prepare("SELECT scheme, ciphertext FROM secrets WHERE name != 'app.sealedKey'").all() as { scheme: string; ciphertext: Buffer }[];
    db.close();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.scheme).toBe('safe-storage');
    expect(stored[0]!.ciphertext.includes(Buffer.from('Sup3r-Secret'))).toBe(false);
  });

  it('a forked host that dies answers pending and later requests with host.stopped, and says why', async () => {
    const forked = await forkHost(init(join(tmp.dir, 'data')), { stdio: 'ignore' });
    host = forked;
    const info = await forked.api.app.info({});
    expect(info.ok && info.value.host).toBe('cli');
    // Kill it in the middle of a stream of requests, as a crash would.
    const pending = Array.from({ length: 20 }, () => forked.api.task.list({}));
    const hostPid = await hostProcessId(forked);
    process.kill(hostPid, 'SIGKILL');
    const answers = await Promise.all(pending);
    expect(answers.every((a) => a.ok || a.error.code === 'host.stopped')).toBe(true);
    expect(await forked.closed).toBe('killed by SIGKILL');
    expect(await forked.api.task.list({})).toMatchObject({ ok: false, error: { code: 'host.stopped' } });
    expect(forked.alive).toBe(false);
  });

  // The host controls bench/combined.ts reads the media thread's RTP timing with (issue 8): benches and
  // tests only, never the window's contract. Figures are checked for shape and against the call, never a time.
  it('is refused unless the host was started for it, and is no contract operation', async () => {
    host = await forkHost(init(join(tmp.dir, 'data')), { stdio: 'ignore' });
    expect(await host.control('test.mediaProbeStart', {})).toMatchObject({ ok: false, error: { code: 'host.noMediaProbe' } });
    expect(await host.control('test.mediaProbeReport', {})).toMatchObject({ ok: false, error: { code: 'host.noMediaProbe' } });
    // What the window sends goes through the contract, which does not know these names.
    expect(await host.dispatch('test.mediaProbeReport', {})).toMatchObject({ ok: false, error: { code: 'contract.unknownOperation' } });
  });

  it('times every packet of a short answered call on the media thread', async () => {
    host = await forkHost(init(join(tmp.dir, 'data'), { mediaProbe: true }), { stdio: 'ignore' });
    sipp = await startSipp({ scenario: 'answer-wait-bye.xml', calls: 1, timeoutSeconds: 60 });
    const recording = must(await host.api.recording.add({ path: makeMp3(tmp.dir, 'one-second.mp3', { seconds: 1, rate: 8000, channels: 1, kbps: 16 }) }));
    const settings = await gatewayDefaults(host);
    const tailMs = 300;
    must(
      await host.api.gateway.save({
        settings: { ...settings, mode: 'sip', host: sipp.host, port: sipp.port, localAddress: '127.0.0.1', callerIdUser: 'probe', codecs: ['PCMA'], playTimes: 1, playoutTailMs: tailMs },
      }),
    );

    must(await host.control('test.mediaProbeStart', {}));
    const before = must(await host.control('test.mediaProbeReport', {}));
    expect(before).toMatchObject({ packets: 0, sessions: 0 });
    expect(before.p99Ms).toBeNaN();

    const call = must(await host.api.gateway.testCall({ to: '+6281234567890', recordingId: recording.id }));
    expect(call).toMatchObject({ outcome: 'answered', playedToEnd: true });
    const after = must(await host.control('test.mediaProbeReport', {}));

    // One packet per 20 ms of the recording, then at most the tail's (a stalled machine may skip tail frames).
    expect(after.packets).toBeGreaterThanOrEqual(Math.floor(call.playedMs / 20));
    expect(after.packets).toBeLessThanOrEqual(Math.ceil((call.playedMs + tailMs) / 20) + 1);
    expect(after.sessions).toBe(0); // the call's session closed before the report was asked for
    expect(after.seconds).toBeGreaterThan(0);
    expect(after.p50Ms).toBeGreaterThanOrEqual(0);
    expect(after.p50Ms).toBeLessThanOrEqual(after.p99Ms);
    expect(after.p99Ms).toBeLessThanOrEqual(after.maxMs);
    expect(Number.isFinite(after.maxMs)).toBe(true);
    expect(after.over2MsShare).toBeGreaterThanOrEqual(0);
    expect(after.over2MsShare).toBeLessThanOrEqual(1);
    const { realtimePriority, niceness } = after.scheduling;
    expect(realtimePriority === null || (realtimePriority >= 1 && realtimePriority <= 99)).toBe(true);
    expect(niceness === null || Number.isInteger(niceness)).toBe(true);
    expect(after.hostLoopDelayP99Ms).toBeGreaterThan(0);
    expect(after.hostLoopDelayP99Ms).toBeLessThanOrEqual(after.hostLoopDelayMaxMs);

    // Starting again drops what was collected.
    must(await host.control('test.mediaProbeStart', {}));
    expect(must(await host.control('test.mediaProbeReport', {})).packets).toBe(0);
  });
});

function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function gatewayDefaults(host: HostClient) {
  const view = await host.api.gateway.get({});
  if (!view.ok) throw new Error(view.error.message);
  const { passwordSet: _set, ...settings } = view.value;
  return settings;
}

/** The host's pid, from its 'ready' message, kept by the client. */
async function hostProcessId(host: HostClient): Promise<number> {
  await host.ready;
  if (host.pid === undefined) throw new Error('no pid');
  return host.pid;
}
