import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostClient } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import type { Result } from '../../shared/result.js';
import { makeMp3 } from '../../tests/support/mp3Files.js';
import { startSipp, type SippRun } from '../../tests/support/sipp.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { forkHost } from './fork.js';

/**
 * The host controls bench/combined.ts reads the media thread's RTP timing
 * with (issue 8): benches and tests only, never the window's contract.
 * Figures are checked for shape and against the call, never against a time.
 */
const init = (dataDir: string, changes: Partial<HostInit> = {}): HostInit => ({
  dataDir,
  host: 'cli',
  version: 'test',
  secrets: 'file-key',
  savePath: 'none',
  loginItem: 'none',
  ...changes,
});

function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('the core host media probe', () => {
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
    const view = must(await host.api.gateway.get({}));
    const { passwordSet: _set, ...settings } = view;
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
    expect(after.niceness === null || Number.isInteger(after.niceness)).toBe(true);

    // Starting again drops what was collected.
    must(await host.control('test.mediaProbeStart', {}));
    expect(must(await host.control('test.mediaProbeReport', {})).packets).toBe(0);
  });
});
