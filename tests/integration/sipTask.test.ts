import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkHost } from '../../core/host/fork.js';
import type { HostClient } from '../../shared/host/client.js';
import type { OperationName } from '../../shared/contract/operations.js';
import type { OperationInput, OperationOutput } from '../../shared/contract/schemas.js';
import type { CallOutcome, GatewaySettings, Task } from '../../shared/types.js';
import { makeMp3 } from '../support/mp3Files.js';
import { freePortRange, startSipp, type SippRun } from '../support/sipp.js';
import { startSmsProviderServer, testSmsAccount, type SmsProviderServer } from '../support/smsProviderServer.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * A whole task through the contract, against real peers: sipp as the
 * office gateway (tests/sipp/by-number.xml answers by the number's last
 * digit) and the local SMS provider server. Checks each number's outcome,
 * the SMS each got, the stored SIP traces (password masked) and the
 * gateway's state. The core runs in the built core host, a child process,
 * as the CLI's `run` and the test bridge start it.
 */
const EXPECTED: Record<string, { outcome: CallOutcome; sms: 'disconnect' | 'unanswered' | null }> = {
  '+6281234560011': { outcome: 'answered', sms: 'disconnect' }, // callee hangs up
  '+6281234560010': { outcome: 'answered', sms: 'disconnect' }, // we hang up after the recording
  '+6281234560012': { outcome: 'busy', sms: 'unanswered' },
  '+6281234560013': { outcome: 'poweredOff', sms: 'unanswered' },
  '+6281234560014': { outcome: 'noAnswer', sms: 'unanswered' },
  '+6281234560015': { outcome: 'invalidNumber', sms: null },
  '+6281234560021': { outcome: 'answered', sms: 'disconnect' },
  '+6281234560022': { outcome: 'busy', sms: 'unanswered' },
};

describe('a task through the SIP gateway (sipp) with SMS follow-ups', () => {
  const tmp = makeTempDir('autocall-sip-task-');
  let sipp: SippRun;
  let sms: SmsProviderServer;
  let core: HostClient;

  async function call<K extends OperationName>(operation: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
    const result = await core.dispatch(operation, input);
    if (!result.ok) throw new Error(`${operation}: ${result.error.code} ${result.error.message}`);
    return result.value as OperationOutput<K>;
  }

  async function control(op: 'engine.start' | 'engine.stop' | 'engine.idle'): Promise<unknown> {
    const result = await core.control(op, {});
    if (!result.ok) throw new Error(`${op}: ${result.error.code} ${result.error.message}`);
    return result.value;
  }

  beforeAll(async () => {
    sipp = await startSipp({ scenario: 'by-number.xml', calls: 1000, timeoutSeconds: 120 });
    sms = await startSmsProviderServer();
    core = await forkHost({
      dataDir: join(tmp.dir, 'data'),
      host: 'cli',
      version: 'test',
      secrets: 'file-key',
      savePath: 'none',
      loginItem: 'none',
      engine: { tickMs: 50 },
    });
  });

  afterAll(async () => {
    if (core?.alive) await core.control('host.close', {});
    await core?.closed;
    await sipp?.kill();
    await sms?.close();
    tmp.cleanup();
  });

  it('calls every number once, classifies it, and sends the right SMS to the right number', async () => {
    const mp3 = makeMp3(tmp.dir, 'promo.mp3', { seconds: 1, rate: 44100, channels: 2 });
    const recording = await call('recording.add', { path: mp3, name: 'Promo' });

    const csv = join(tmp.dir, 'roster.csv');
    writeFileSync(csv, 'Name;No HP\n' + Object.keys(EXPECTED).map((n, i) => `Customer ${i};0${n.slice(3)}`).join('\n') + '\n');
    const analysis = await call('roster.analyze', { path: csv });
    if (analysis.kind !== 'staged') throw new Error('the phone column was not found');
    const roster = await call('roster.confirm', { id: analysis.roster.id });
    expect(roster.validCount).toBe(Object.keys(EXPECTED).length);

    const thanks = await call('template.create', { name: 'Thanks', body: 'Terima kasih {Name}' });
    await call('template.approve', { id: thanks.id });
    const missed = await call('template.create', { name: 'Missed', body: 'Maaf {Name}, kami tidak dapat menghubungi Anda' });
    await call('template.approve', { id: missed.id });
    await call('smsAccount.save', testSmsAccount('twilio', sms.baseUrl));

    const settings: GatewaySettings = {
      ...(await call('gateway.get', {})),
      mode: 'sip',
      host: sipp.host,
      port: sipp.port,
      transport: 'udp',
      username: 'office',
      callerIdUser: '02150001',
      callerIdName: 'PT Maju',
      localAddress: '127.0.0.1',
      channels: 3,
      callsPerSecond: 5,
      ringTimeoutSeconds: 5,
      ...freePortRange(100),
    };
    delete (settings as Partial<{ passwordSet: boolean }>).passwordSet;
    await call('gateway.save', { settings, password: 'Sup3r-Secret' });

    await control('engine.start');
    const task = await call('task.create', {
      name: 'Promo November',
      recordingId: recording.id,
      rosterId: roster.id,
      start: { mode: 'now' },
      smsDisconnectTemplateId: thanks.id,
      smsUnansweredTemplateId: missed.id,
    });

    let current: Task = task;
    const deadline = Date.now() + 60_000;
    while (current.status !== 'completed' || !(await control('engine.idle'))) {
      if (Date.now() > deadline) throw new Error(`task did not complete: ${JSON.stringify(current)}`);
      await new Promise((r) => setTimeout(r, 100));
      current = await call('task.get', { id: task.id });
    }

    const numbers = await call('task.numbers', { id: task.id, filter: 'all', page: 1, pageSize: 50 });
    const outcomes = Object.fromEntries(numbers.items.map((n) => [n.phoneE164, n.outcome]));
    expect(outcomes).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([n, e]) => [n, e.outcome])));
    for (const n of numbers.items) {
      expect(n.attempts).toBe(1);
      expect(n.dryRun).toBe(false);
    }
    expect(current.counts.answered).toBe(3);

    // One SMS per number that should get one, with the right template, to that number.
    const sent = sms.messages.map((m) => ({ to: m.to, text: m.text }));
    const expectedSms = Object.entries(EXPECTED)
      .filter(([, e]) => e.sms)
      .map(([n, e]) => ({ to: n, kind: e.sms }));
    expect(sent).toHaveLength(expectedSms.length);
    for (const { to, kind } of expectedSms) {
      const got = sent.filter((m) => m.to === to);
      expect(got).toHaveLength(1);
      expect(got[0]!.text).toMatch(kind === 'disconnect' ? /^Terima kasih Customer \d$/ : /^Maaf Customer \d, kami/);
    }

    // The answered number we hung up on played the whole recording; each attempt has its trace.
    const played = numbers.items.find((n) => n.phoneE164 === '+6281234560010')!;
    expect(played.playedToEnd).toBe(true);
    expect(played.hungUpBy).toBe('system');
    const [attempt] = await call('task.attempts', { numberId: played.id });
    expect(attempt!.hasTrace).toBe(true);
    const trace = await call('task.attemptTrace', { attemptId: attempt!.id });
    expect(trace.some((t) => t.direction === 'out' && t.text.startsWith('INVITE sip:+6281234560010@'))).toBe(true);
    expect(trace.some((t) => t.direction === 'out' && t.text.startsWith('BYE '))).toBe(true);
    expect(JSON.stringify(trace)).not.toContain('Sup3r-Secret');

    const status = await call('engine.status', {});
    expect(status.gateway).toBe('sip');
    expect(status.gatewayState).toBe('ready');
  });

  it('a test call returns the full result with its SIP exchange', async () => {
    const recordings = await call('recording.list', {});
    const result = await call('gateway.testCall', { to: '0812-3456-0012', recordingId: recordings[0]!.id });
    expect(result.outcome).toBe('busy');
    expect(result.finalStatus).toBe(486);
    expect(result.trace.length).toBeGreaterThan(0);
    expect(result.cancelledByUser).toBe(false);
  });

  it('a Cancel that comes after the test call ended changes nothing; its input is checked like any other', async () => {
    expect(await core.dispatch('gateway.cancelTestCall', {})).toEqual({ ok: true, value: undefined });
    const refused = await core.dispatch('gateway.cancelTestCall', { all: true });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('contract.invalidInput');
  });

  it('keeps each task on the gateway it was made for: real tasks wait while the dry run is selected', async () => {
    await control('engine.stop');
    const [recording] = await call('recording.list', {});
    const [roster] = await call('roster.list', {});
    const real = await call('task.create', { name: 'Real One', recordingId: recording!.id, rosterId: roster!.id, start: { mode: 'now' } });
    expect(real.dryRun).toBe(false);
    const { passwordSet: _set, ...sip } = await call('gateway.get', {});
    await call('gateway.save', { settings: { ...sip, mode: 'dryRun' } });
    const dry = await call('task.create', { name: 'Dry One', recordingId: recording!.id, rosterId: roster!.id, start: { mode: 'now' } });
    expect(dry.dryRun).toBe(true);
    await control('engine.start');

    const until = async (id: number, status: Task['status']) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const t = await call('task.get', { id });
        if (t.status === status) return t;
        if (Date.now() > deadline) throw new Error(`task ${id} is ${t.status}, not ${status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until(dry.id, 'completed');
    const waiting = await call('task.get', { id: real.id });
    expect(waiting.status).toBe('running');
    expect(waiting.counts.done).toBe(0);
    expect((await call('engine.status', {})).tasksWaitingForGateway).toBe(1);

    await call('gateway.save', { settings: sip });
    const finished = await until(real.id, 'completed');
    expect(finished.counts.done).toBe(Object.keys(EXPECTED).length);
  });

  it('refuses a test call to something that is not a phone number', async () => {
    const recordings = await call('recording.list', {});
    const result = await core.dispatch('gateway.testCall', { to: 'abc', recordingId: recordings[0]!.id });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('gateway.badNumber');
  });
});
