/**
 * `npm run soak` (not part of `npm test`): a real task of SOAK_NUMBERS
 * numbers through sipp (tests/sipp/by-number.xml as the office gateway) and
 * the local SMS provider server, dialled by real `autocall run --until-idle`
 * processes that are SIGKILLed at random moments (at least 20 times) and
 * stopped with SIGSTOP while a second dialer takes the lease over (at least
 * 3 times), with "call uncertain numbers again" as a user would. Then it
 * prints the four figures issue 11 asks for, all of which must be 0:
 *
 *   - numbers dialled more than once without a user's retry (from the
 *     INVITEs sipp received, one per Call-ID),
 *   - SMS sent twice (from the provider server's messages),
 *   - task counters that disagree with the rows,
 *   - numbers left unresolved.
 *
 * Only 127.0.0.1; bounded in rounds and in time (SOAK_MAX_MINUTES, 20 by
 * default). SOAK_SEED replays a run. Exit code 1 when a figure is not 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from '../core/core.js';
import { FileKeySecretBox } from '../core/credentials/secretBox.js';
import { openDatabase } from '../core/db/database.js';
import { silentLogger } from '../core/log.js';
import { dataPaths } from '../core/paths.js';
// The dry run's seeded PRNG (mulberry32), so a run can be replayed with SOAK_SEED.
import { prng } from '../core/telephony/dryRunGateway.js';
import type { OperationName } from '../shared/contract/operations.js';
import type { OperationInput, OperationOutput } from '../shared/contract/schemas.js';
import type { GatewaySettings } from '../shared/types.js';
import { auditTask, runCli, startDialer, type Dialer } from '../tests/support/dialers.js';
import { makeMp3 } from '../tests/support/mp3Files.js';
import { startSipp } from '../tests/support/sipp.js';
import { startSmsProviderServer, testSmsAccount } from '../tests/support/smsProviderServer.js';
import { makeTempDir } from '../tests/support/tmp.js';

const NUMBERS = Number(process.env.SOAK_NUMBERS ?? 520);
const KILLS = Number(process.env.SOAK_KILLS ?? 22);
const STOPS = Number(process.env.SOAK_STOPS ?? 3);
const MAX_MS = Number(process.env.SOAK_MAX_MINUTES ?? 20) * 60_000;
const LEASE_TTL_MS = '1500';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The dialled number of each INVITE dialog sipp received (one per Call-ID: retransmissions are the same dial). */
function invitesFromSippLog(messages: string): string[] {
  const byCallId = new Map<string, string>();
  for (const block of messages.split(/message received \[\d+\] bytes :/)) {
    const invite = /^\s*INVITE sip:([^@;\s]+)@/.exec(block);
    const callId = /^Call-ID:\s*(\S+)/im.exec(block);
    if (invite && callId) byCallId.set(callId[1]!, invite[1]!);
  }
  return [...byCallId.values()];
}

export async function main(): Promise<void> {
  const started = Date.now();
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const tmp = makeTempDir('autocall-soak-');
  const dataDir = join(tmp.dir, 'data');
  const sipp = await startSipp({ scenario: 'by-number.xml', calls: 100_000, timeoutSeconds: Math.ceil(MAX_MS / 1000) + 120 });
  const sms = await startSmsProviderServer();
  const live = new Set<Dialer>();
  const env = { AUTOCALL_LEASE_TTL_MS: LEASE_TTL_MS };
  const dialer = (): Dialer => {
    const d = startDialer(dataDir, env);
    live.add(d);
    void d.exited.then(() => live.delete(d));
    return d;
  };
  const log = (text: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${text}\n`);

  try {
    // The set-up a user makes once, through the contract: recording, roster, approved templates, SMS account, SIP gateway, task.
    const core = await Core.open({ dataDir, secretBox: new FileKeySecretBox(dataPaths(dataDir).cliKey), host: 'cli', version: 'soak', log: silentLogger });
    const call = async <K extends OperationName>(op: K, input: OperationInput<K>): Promise<OperationOutput<K>> => {
      const r = await core.dispatch(op, input);
      if (!r.ok) throw new Error(`${op}: ${r.error.code} ${r.error.message}`);
      return r.value as OperationOutput<K>;
    };
    let taskId: number;
    try {
      const recording = await call('recording.add', { path: makeMp3(tmp.dir, 'promo.mp3', { seconds: 1, rate: 44100, channels: 2 }), name: 'Soak' });
      const csv = join(tmp.dir, 'roster.csv');
      const numbers = Array.from({ length: NUMBERS }, (_, i) => `0812${String(30_000_000 + i).padStart(8, '0')}`);
      writeFileSync(csv, 'Name;No HP\n' + numbers.map((n, i) => `Customer ${i};${n}`).join('\n') + '\n');
      const analysis = await call('roster.analyze', { path: csv });
      if (analysis.kind !== 'staged') throw new Error('the phone column was not found');
      const roster = await call('roster.confirm', { id: analysis.roster.id });
      const thanks = await call('template.create', { name: 'Thanks', body: 'Terima kasih {Name}' });
      await call('template.approve', { id: thanks.id });
      const missed = await call('template.create', { name: 'Missed', body: 'Maaf {Name}, kami tidak dapat menghubungi Anda' });
      await call('template.approve', { id: missed.id });
      await call('smsAccount.save', testSmsAccount('twilio', sms.baseUrl));
      const rtpBase = 30_000 + 2 * Math.floor(random() * 10_000);
      const gateway = await call('gateway.get', {});
      const { passwordSet: _unused, ...current } = gateway;
      const settings: GatewaySettings = {
        ...current,
        mode: 'sip',
        host: '127.0.0.1',
        port: sipp.port,
        transport: 'udp',
        channels: 10,
        callsPerSecond: 50,
        ringTimeoutSeconds: 5,
        rtpPortMin: rtpBase,
        rtpPortMax: rtpBase + 400,
      };
      await call('gateway.save', { settings });
      const task = await call('task.create', {
        name: 'Soak Test',
        recordingId: recording.id,
        rosterId: roster.id,
        start: { mode: 'now' },
        smsDisconnectTemplateId: thanks.id,
        smsUnansweredTemplateId: missed.id,
        maxAttempts: 1,
        retryIntervalMinutes: 0,
        callingWindow: null,
      });
      taskId = task.id;
      if (task.dryRun) throw new Error('the task was created for the dry run, not for sipp');
    } finally {
      core.close();
    }
    log(`seed ${seed}: task ${taskId} of ${NUMBERS} numbers; sipp on 127.0.0.1:${sipp.port}; SMS provider at ${sms.baseUrl}`);

    const db = openDatabase(dataPaths(dataDir).database);
    const uncertainNow = () => db.prepare("SELECT count(*) FROM task_numbers WHERE task_id = ? AND state = 'uncertain'").pluck().get(taskId) as number;
    const leaseEpoch = () => (db.prepare("SELECT epoch FROM leases WHERE name = 'dialer'").pluck().get() as number | undefined) ?? 0;
    const retryUncertain = async () => {
      if (uncertainNow() === 0) return 0;
      const n = uncertainNow();
      const r = await runCli(dataDir, ['task', 'retry-uncertain', String(taskId)]);
      if (r.code !== 0) throw new Error(`retry-uncertain failed: ${r.stderr}`);
      return n;
    };
    const waitFor = async (check: () => boolean, ms: number) => {
      const until = Date.now() + ms;
      while (!check() && Date.now() < until) await sleep(100);
      return check();
    };

    let kills = 0;
    let stops = 0;
    let userRetries = 0;
    // Spread the stop/continue take-overs among the kills.
    const stopAt = new Set(Array.from({ length: STOPS }, (_, i) => Math.floor(((i + 1) * KILLS) / (STOPS + 1))));
    /** Waits until a dialer has taken the lease (the epoch moved past `epoch`) or ended; false when neither happened in time. */
    const dialing = async (d: Dialer, epoch: number) => waitFor(() => leaseEpoch() > epoch || d.child.exitCode !== null, 60_000);
    for (let round = 0; kills < KILLS || stops < STOPS; round++) {
      if (Date.now() - started > MAX_MS * 0.7) break;
      const before = leaseEpoch();
      const first = dialer();
      // Kill at a random moment of dialing, not while Node is still starting (that would prove nothing).
      if (!(await dialing(first, before))) log('a dialer did not take the lease within 60 s');
      if (stopAt.has(round) && stops < STOPS) {
        // Stop/continue: the first is paused mid-task past its lease; a second takes over; the user retries; the first wakes.
        await sleep(1000 + random() * 2500);
        const epoch = leaseEpoch();
        first.signal('SIGSTOP');
        const second = dialer();
        const tookOver = await waitFor(() => leaseEpoch() > epoch, 60_000);
        await sleep(500 + random() * 1500);
        userRetries += await retryUncertain();
        await sleep(1000 + random() * 1500);
        first.signal('SIGCONT');
        stops++;
        log(`stop/continue ${stops}: ${tookOver ? `the second dialer took the lease over (epoch ${epoch} -> ${leaseEpoch()})` : 'no take-over within 60 s'}; the first continues`);
        await sleep(1500 + random() * 2000);
        // End this round with a kill of both at a random moment (two kills).
        for (const d of [first, second]) {
          if (d.child.exitCode === null && d.child.signalCode === null) {
            d.signal('SIGKILL');
            kills++;
          }
          await d.exited;
        }
      } else {
        const delay = 300 + random() * 3500;
        const ended = await Promise.race([first.exited.then(() => true), sleep(delay).then(() => false)]);
        if (!ended) {
          first.signal('SIGKILL');
          kills++;
        }
        await first.exited;
        if (ended && uncertainNow() === 0) {
          const left = db.prepare("SELECT count(*) FROM task_numbers WHERE task_id = ? AND state <> 'done'").pluck().get(taskId) as number;
          if (left === 0) {
            log('the task finished before the kill budget was spent');
            break;
          }
        }
      }
      // A user looks now and then and calls the uncertain numbers again.
      if (random() < 0.3) userRetries += await retryUncertain();
      if (round % 5 === 4) log(`${kills} kills, ${stops} stop/continue, ${uncertainNow()} uncertain now`);
    }
    log(`chaos over: ${kills} SIGKILLs, ${stops} stop/continue take-overs; finishing the task`);

    // Let it finish: retry what is uncertain and run to the end, a bounded number of times.
    for (let round = 0; round < 10 && Date.now() - started < MAX_MS; round++) {
      userRetries += await retryUncertain();
      const last = dialer();
      const code = (await last.exited).code;
      if (code !== 0) throw new Error(`the last dialer exited ${code}: ${(await last.exited).stderr.slice(-2000)}`);
      const left = db.prepare("SELECT count(*) FROM task_numbers WHERE task_id = ? AND state <> 'done'").pluck().get(taskId) as number;
      if (left === 0) break;
    }

    // What the fencing did, from the dialers' own log.
    const logText = readFileSync(dataPaths(dataDir).log, 'utf8');
    const count = (message: string) => logText.split('\n').filter((l) => l.includes(`"message":"${message}"`)).length;
    log(
      `log: ${count('dialer fenced: stopped dialing and hung up its calls')} fenced dialers, ${count('call result not recorded: the dialing lease was taken over')} call results and ` +
        `${count('SMS result not recorded: the dialing lease was taken over')} SMS results refused by the fence, ${count('stalled past the dialer lease: re-checking it')} stalls noticed, ` +
        `${count('recovered interrupted work')} recoveries`,
    );

    await sipp.kill();
    const sippRun = await sipp.exited;
    const invites = invitesFromSippLog(sippRun.messages).map((n) => (n.startsWith('+') ? n : `+${n}`));
    const smsTo = sms.messages.map((m) => m.to);
    const audit = auditTask(db, taskId, invites, smsTo);
    const task = db.prepare('SELECT status, total, n_done, n_answered, n_unanswered, n_invalid, n_failed, n_uncertain, n_sms_sent, n_sms_failed FROM tasks WHERE id = ?').get(taskId);
    db.close();

    const figures = {
      'numbers dialled more than once without a user\u2019s retry': audit.dialledTwiceWithoutRetry.length,
      'SMS sent twice': audit.smsTwice.length,
      'counters differing from the rows': audit.counterMismatches.length,
      'numbers left unresolved': audit.unresolved,
    };
    log(`task: ${JSON.stringify(task)}`);
    log(`${invites.length} INVITE dialogs at sipp, ${smsTo.length} SMS at the provider, ${audit.uncertainAttempts} attempts marked uncertain, ${userRetries} numbers retried by the user`);
    log(`${kills} SIGKILLs, ${stops} stop/continue take-overs, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const [what, n] of Object.entries(figures)) process.stdout.write(`${what}: ${n}\n`);
    if (audit.dialledTwiceWithoutRetry.length) process.stdout.write(`  dialled twice: ${audit.dialledTwiceWithoutRetry.slice(0, 10).join(', ')}\n`);
    if (audit.smsTwice.length) process.stdout.write(`  SMS twice: ${audit.smsTwice.slice(0, 10).join(', ')}\n`);
    if (audit.counterMismatches.length) process.stdout.write(`  counters: ${JSON.stringify(audit.counterMismatches)}\n`);
    const ok = Object.values(figures).every((n) => n === 0) && kills >= Math.min(KILLS, 20) && stops >= Math.min(STOPS, 3);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const d of live) {
      d.signal('SIGCONT');
      d.signal('SIGKILL');
    }
    await Promise.all([...live].map((d) => d.exited));
    await sipp.kill();
    await sms.close();
    tmp.cleanup();
  }
}
