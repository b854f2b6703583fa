import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp3 } from '../tests/support/mp3Files.js';
import { freePort, startSipp, type SippRun } from '../tests/support/sipp.js';
import { cli } from '../tests/support/cliRun.js';
import { makeTempDir } from '../tests/support/tmp.js';

describe('autocall command line', () => {
  const tmp = makeTempDir('autocall-cli-');
  const data = join(tmp.dir, 'data');
  let sipp: SippRun;

  beforeAll(async () => {
    sipp = await startSipp({ scenario: 'by-number.xml', calls: 100, timeoutSeconds: 120 });
  });
  afterAll(async () => {
    await sipp?.kill();
    tmp.cleanup();
  });

  it('answers wrong usage with exit code 2 and the usage', async () => {
    const r = await cli(data, 'nonsense');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command "nonsense"');
    const bad = await cli(data, 'gateway', 'set', '--port', 'abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be a number');
  });

  it('refuses a file that is not an MP3 with exit code 1 and a message', async () => {
    const r = await cli(data, '--json', 'recording', 'add', join(import.meta.dirname, 'main.ts'));
    expect(r.code).toBe(1);
    const answer = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.message.length).toBeGreaterThan(10);
  });

  it('sets and shows the gateway, keeping the password out of the output', async () => {
    const set = await cli(data, '--json', 'gateway', 'set', '--mode', 'sip', '--host', sipp.host, '--port', String(sipp.port), '--local-address', '127.0.0.1', '--password', 'Hidden-77', '--caller-id-user', '021500', '--codecs', 'pcmu,pcma', '--rtp-port-min', '32000', '--rtp-port-max', '32099');
    expect(set.code).toBe(0);
    expect(set.stdout).not.toContain('Hidden-77');
    const shown = JSON.parse((await cli(data, '--json', 'gateway', 'show')).stdout) as { mode: string; port: number; codecs: string[]; passwordSet: boolean };
    expect(shown).toMatchObject({ mode: 'sip', port: sipp.port, codecs: ['PCMU', 'PCMA'], passwordSet: true });
    const refused = await cli(data, 'gateway', 'set', '--channels', '500', '--rtp-port-min', '32000', '--rtp-port-max', '32010');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/RTP port range|channels/);
  });

  it('places one test call and prints the result as JSON', async () => {
    const mp3 = makeMp3(tmp.dir, 'short.mp3', { seconds: 0.5, rate: 22050, channels: 1 });
    const added = JSON.parse((await cli(data, '--json', 'recording', 'add', mp3)).stdout) as { id: number };
    const r = await cli(data, 'call', '0812-3456-0010', '--recording', String(added.id));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { outcome: string; playedToEnd: boolean; hungUpBy: string; finalStatus: number };
    expect(result).toMatchObject({ outcome: 'answered', playedToEnd: true, hungUpBy: 'system', finalStatus: 200 });
    const busy = JSON.parse((await cli(data, '--json', 'call', '081234560012', '--recording', String(added.id))).stdout) as { outcome: string };
    expect(busy.outcome).toBe('busy');
  });

  it('reports an unreachable gateway with exit code 1: the coded problem as JSON, its sentence for people', async () => {
    // Nothing listens there: TCP is refused at once, where UDP would wait out Timer F.
    const closed = await freePort('tcp');
    await cli(data, 'gateway', 'set', '--port', String(closed), '--transport', 'tcp');
    const r = await cli(data, '--json', 'gateway', 'test');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      reachable: false,
      error: { code: 'sip.connectionRefused', message: expect.stringContaining(`127.0.0.1:${closed} refused the connection`), params: { address: `127.0.0.1:${closed}`, request: 'OPTIONS' } },
    });
    const human = await cli(data, 'gateway', 'test');
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`Not reachable.\nError: The gateway at 127.0.0.1:${closed} refused the connection: nothing answers SIP there`);
  });
  it('calls again the busy, no-answer and powered-off numbers of a task in a new task, and refuses a name already taken', async () => {
    const dir = join(tmp.dir, 'again');
    const mp3 = makeMp3(tmp.dir, 'again.mp3', { seconds: 1, rate: 44100, channels: 1 });
    const csv = join(tmp.dir, 'again.csv');
    writeFileSync(csv, 'Nama;No HP\n' + Array.from({ length: 30 }, (_, i) => `Pelanggan ${i};0812345${String(62000 + i)}`).join('\n') + '\n');
    expect((await cli(dir, 'recording', 'add', mp3, '--name', 'Promo')).code).toBe(0);
    expect((await cli(dir, 'roster', 'import', csv)).code).toBe(0);
    expect((await cli(dir, 'task', 'create', '--name', 'April 2026 Promotion', '--recording', '1', '--roster', '1', '--now')).code).toBe(0);
    process.env.AUTOCALL_DRY_RUN_CALL_MS = '0';
    process.env.AUTOCALL_DRY_RUN_CPS = '100';
    try {
      expect((await cli(dir, 'run', '--until-idle')).code).toBe(0);
    } finally {
      delete process.env.AUTOCALL_DRY_RUN_CALL_MS;
      delete process.env.AUTOCALL_DRY_RUN_CPS;
    }
    const listed = JSON.parse((await cli(dir, '--json', 'calls', 'list', '--task', '1')).stdout) as { items: { phoneE164: string; outcome: string }[] };
    const unanswered = listed.items.filter((n) => ['busy', 'noAnswer', 'poweredOff'].includes(n.outcome)).map((n) => n.phoneE164).sort();
    expect(unanswered.length).toBeGreaterThan(0);

    const again = await cli(dir, '--json', 'task', 'call-again', '1', '--name', 'April 2026 Promotion again');
    expect(again.code).toBe(0);
    const task = JSON.parse(again.stdout) as { id: number; total: number };
    expect(task.total).toBe(unanswered.length);
    const copied = JSON.parse((await cli(dir, '--json', 'calls', 'list', '--task', String(task.id))).stdout) as { items: { phoneE164: string }[] };
    expect(copied.items.map((n) => n.phoneE164).sort()).toEqual(unanswered);

    const taken = await cli(dir, 'task', 'call-again', '1', '--name', 'april 2026 promotion', '--outcomes', 'busy,noAnswer,poweredOff,failed');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('A task named "April 2026 Promotion" already exists');
    const bad = await cli(dir, 'task', 'call-again', '1', '--name', 'X', '--outcomes', 'answered');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--outcomes takes a comma-separated list of busy, noAnswer, poweredOff, failed');
  });
});
