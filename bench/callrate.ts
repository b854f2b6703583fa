/**
 * Call setup rate against a sipp UAS (issue 3 benchmark): our SipGateway
 * places answered calls (INVITE, 180, 200, ACK, BYE at once) as fast as a
 * fixed number of concurrent calls allows, then sipp's own UAC (`-sn uac`)
 * does the same against the same UAS. Prints calls per second of both and
 * the ratio; a run with any failed call is reported as such.
 *
 *   node bin/run-ts.mjs bench/callrate.ts [--calls 2000] [--concurrency 50] [--warmup 3000]
 *
 * Media is the fake one (no RTP): this measures signalling; RTP pacing has
 * its own benchmark (bench/rtp.ts).
 *
 * Fairness: both clients keep the same number of calls in flight (sipp -l);
 * sipp's rate grows with it (about 8 ms per call whatever -l, with little
 * CPU), so only equal concurrency compares like with like. Our run comes
 * after a warm-up of its own: V8 optimises the signalling code only after a
 * few thousand calls, and sipp is compiled ahead of time; without it the
 * figure would bill a one-off JIT cost to an app that places calls for hours.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { SipGateway } from '../core/telephony/gateway/sipGateway.js';
import { FakeMediaFactory } from '../core/telephony/gateway/testing/fakeMedia.js';
import { freePort, startSipp } from '../tests/support/sipp.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function ourRate(uasPort: number, calls: number, concurrency: number) {
  const gateway = new SipGateway(
    {
      host: '127.0.0.1',
      port: uasPort,
      transport: 'udp',
      localAddress: '127.0.0.1',
      rtpPortRange: [40000, 49999],
      callerId: { user: 'bench' },
      codecs: ['PCMA'],
      register: false,
      registerExpires: 300,
      ringTimeoutMs: 30_000,
      numberFormat: 'e164',
    },
    { media: new FakeMediaFactory() },
  );
  await gateway.start();
  const empty = { pcma: new Uint8Array(0), pcmu: new Uint8Array(0) };
  let next = 0;
  let failed = 0;
  const failures = new Map<string, number>();
  const setupMs: number[] = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async () => {
    while (next < calls) {
      const n = next++;
      const t0 = performance.now();
      const result = await gateway.call({ to: `+62812${String(n).padStart(7, '0')}`, payloads: empty });
      setupMs.push(performance.now() - t0);
      if (result.outcome !== 'answered' || result.errors.length > 0) {
        failed++;
        const key = `${result.outcome} ${result.finalStatus} ${result.errors[0]?.code ?? ''}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await gateway.stop();
  setupMs.sort((a, b) => a - b);
  const p = (q: number) => setupMs[Math.min(setupMs.length - 1, Math.floor(q * setupMs.length))]?.toFixed(1);
  // CPU time (all threads: GC and JIT included) varies less than the rate when other work shares the machine.
  const cpuUsPerCall = (cpu.user + cpu.system) / calls;
  return { rate: calls / seconds, seconds, failed, failures, p50: p(0.5), p99: p(0.99), cpuUsPerCall };
}

async function sippUacRate(uasPort: number, calls: number, concurrency: number) {
  const port = await freePort();
  const args = ['-sn', 'uac', `127.0.0.1:${uasPort}`, '-i', '127.0.0.1', '-p', String(port), '-m', String(calls), '-l', String(concurrency), '-r', '100000', '-d', '0', '-nostdin', '-timeout', '120s'];
  const started = performance.now();
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-40_000)));
    child.stderr.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-40_000)));
    child.on('exit', (code) => resolve({ code, text }));
  });
  const seconds = (performance.now() - started) / 1000;
  const successful = /Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(output.text)?.[1];
  const failedCalls = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(output.text)?.[1];
  return { rate: calls / seconds, seconds, exit: output.code, successful: successful ? Number(successful) : null, failed: failedCalls ? Number(failedCalls) : null };
}

export async function main(args: string[] = []): Promise<void> {
  const calls = option(args, 'calls', 2000);
  const concurrency = option(args, 'concurrency', 50);
  const warmup = option(args, 'warmup', 3000);
  const uas = await startSipp({ scenario: 'uas', calls: 10 * (calls + warmup), timeoutSeconds: 600 });
  try {
    console.log(`call setup rate: ${calls} answered calls, ${concurrency} at a time, against one sipp UAS (-sn uas) on 127.0.0.1:${uas.port}`);
    const warm = await ourRate(uas.port, warmup, concurrency);
    console.log(`  SipGateway warm-up: ${warmup} calls at ${warm.rate.toFixed(0)} calls/s, failed ${warm.failed} (not counted)`);
    const ours = await ourRate(uas.port, calls, concurrency);
    console.log(
      `  SipGateway: ${ours.rate.toFixed(0)} calls/s (${ours.seconds.toFixed(2)} s), failed ${ours.failed}, INVITE-to-end p50 ${ours.p50} ms p99 ${ours.p99} ms, CPU ${ours.cpuUsPerCall.toFixed(0)} µs a call`,
    );
    for (const [reason, count] of ours.failures) console.log(`    failed: ${count} x ${reason}`);
    const sipp = await sippUacRate(uas.port, calls, concurrency);
    console.log(`  sipp -sn uac: ${sipp.rate.toFixed(0)} calls/s (${sipp.seconds.toFixed(2)} s incl. process start), exit ${sipp.exit}, successful ${sipp.successful ?? '?'}, failed ${sipp.failed ?? '?'}`);
    const flags = [ours.failed > 0 ? 'our run had failed calls' : '', sipp.exit !== 0 || (sipp.failed ?? 0) > 0 ? "sipp's run had failed calls: lower --concurrency" : ''].filter(Boolean);
    console.log(`  ratio SipGateway / sipp: ${(ours.rate / sipp.rate).toFixed(2)} (target >= 0.5)${flags.length ? `  [${flags.join('; ')}]` : ''}`);
  } finally {
    await uas.kill();
  }
}
