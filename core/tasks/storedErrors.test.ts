import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { problem } from '../errors.js';
import { createSmsClient } from '../sms/providers/index.js';
import { makeTestContext, type TestContext } from '../../tests/support/coreContext.js';
import { seedActiveSmsAccount, seedRecording, seedRoster, seedTemplate } from '../../tests/support/seed.js';
import { startSmsProviderServer, TWILIO_TEST, type SmsProviderServer } from '../../tests/support/smsProviderServer.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { DialingEngine } from './engine.js';
import { Lease } from './lease.js';
import { SmsOutbox } from '../sms/outbox.js';
import { TaskService } from './taskService.js';
import type { CallPlacer, CallReport } from './types.js';
import type { SmsClient } from '../sms/providers/types.js';

/**
 * The errors the engine stores with call attempts and SMS keep their codes
 * and params beside the English sentence (real SQLite, and a real Twilio
 * client against the local provider server), and the detail views return them.
 */
const PROBLEMS = [
  problem('sip.connectionRefused', 'The gateway at 192.0.2.1:5060 refused the connection (INVITE).', { address: '192.0.2.1:5060' }),
  problem('sip.byeTimeout', 'The gateway did not confirm the hang-up (no answer to the BYE).'),
];

/** Every call ends unanswered with PROBLEMS, so each number gets the Unanswered SMS. */
const gateway: CallPlacer = {
  dryRun: false,
  channels: 10,
  callsPerSecond: 100,
  call: async (): Promise<CallReport> => ({
    outcome: 'noAnswer',
    hungUpBy: null,
    finalStatus: 487,
    q850Cause: null,
    ringMs: 1000,
    answeredMs: null,
    playedMs: null,
    playedToEnd: null,
    dtmf: '',
    errors: PROBLEMS,
  }),
};

describe('errors stored with attempts and SMS', () => {
  let sms: SmsProviderServer;
  let tmp: ReturnType<typeof makeTempDir>;
  let test: TestContext;
  let now: number;

  beforeAll(async () => {
    sms = await startSmsProviderServer();
  });
  afterAll(() => sms.close());
  beforeEach(() => {
    tmp = makeTempDir();
    now = Date.UTC(2026, 0, 5, 2, 0);
    test = makeTestContext(tmp.dir, { clock: { now: () => now } });
  });
  afterEach(() => {
    test.close();
    tmp.cleanup();
  });

  function taskOfOne(): { tasks: TaskService; taskId: number } {
    const { db } = test.ctx;
    seedActiveSmsAccount(db);
    const tasks = new TaskService(test.ctx, { isDryRun: () => false });
    const task = tasks.create({
      name: 'January 2026 Promotion',
      recordingId: seedRecording(db),
      rosterId: seedRoster(db, 1),
      smsUnansweredTemplateId: seedTemplate(db, 'Sorry we missed you {name}'),
    });
    return { tasks, taskId: task.id };
  }

  async function run(sender: SmsClient): Promise<void> {
    const outbox = new SmsOutbox(test.ctx, { realSender: () => sender, dryRunSender: sender });
    const engine = new DialingEngine(test.ctx, { placer: () => gateway, lease: new Lease(test.ctx.db, test.ctx.clock), outbox });
    await engine.tick();
    await engine.idle();
    await engine.tick(); // queues nothing new; pumps the SMS the call's end queued
    await outbox.idle();
  }

  it('keeps every problem of a call attempt as code and params, in the order of the sentence', async () => {
    const { tasks, taskId } = taskOfOne();
    await run(createSmsClient('twilio', { baseUrl: sms.baseUrl, accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from, authToken: TWILIO_TEST.authToken }));
    const [number] = tasks.numbers(taskId, 'all', 1, 10).items;
    const [attempt] = tasks.attempts(number!.id);
    expect(attempt).toMatchObject({
      error: `${PROBLEMS[0]!.message}; ${PROBLEMS[1]!.message}`,
      errorCodes: [
        { code: 'sip.connectionRefused', params: { address: '192.0.2.1:5060' } },
        { code: 'sip.byeTimeout', params: {} },
      ],
    });
    // Twilio can say whether it was delivered: the poller will ask (issue 10).
    expect(number!.sms).toEqual({ kind: 'unanswered', state: 'sent', error: null, errorCode: null, delivery: 'pending' });
  });

  it('keeps the provider’s refusal of an SMS as code and params beside the sentence', async () => {
    const { tasks, taskId } = taskOfOne();
    await run(createSmsClient('twilio', { baseUrl: sms.baseUrl, accountSid: TWILIO_TEST.accountSid, from: TWILIO_TEST.from, authToken: 'not-the-token' }));
    const stored = test.ctx.db.prepare('SELECT state, error, error_code, error_params FROM sms_outbox').get() as Record<string, string>;
    expect(stored).toMatchObject({ state: 'failed', error: expect.stringContaining('Twilio refused the credentials (HTTP 401)'), error_code: 'sms.auth' });
    const host = new URL(sms.baseUrl).host;
    expect(JSON.parse(stored.error_params!)).toEqual({ provider: 'twilio', host, attempts: 1, httpStatus: 401, providerAnswer: expect.stringContaining('Authenticate'), detail: 'Authenticate (Twilio error 20003)' });
    const [number] = tasks.numbers(taskId, 'all', 1, 10).items;
    expect(number!.sms).toEqual({
      kind: 'unanswered',
      state: 'failed',
      error: stored.error,
      errorCode: { code: 'sms.auth', params: JSON.parse(stored.error_params!) as Record<string, unknown> },
      delivery: null,
    });
    expect(tasks.get(taskId).counts).toMatchObject({ smsSent: 0, smsFailed: 1 });
  });

  it('an unexpected failure of the sender is stored as internal, not as its raw text alone', async () => {
    const { tasks, taskId } = taskOfOne();
    await run({ send: () => Promise.reject(new TypeError('fetch is not a function')) });
    const [number] = tasks.numbers(taskId, 'all', 1, 10).items;
    expect(number!.sms).toMatchObject({ state: 'failed', error: 'Unexpected error: fetch is not a function', errorCode: { code: 'internal', params: {} } });
  });

  it('work interrupted by a crash is marked uncertain with call.interrupted and sms.interrupted', async () => {
    const { tasks, taskId } = taskOfOne();
    const { db } = test.ctx;
    // What a process that died mid-call and mid-SMS leaves behind, with its lease expired.
    const numberId = (db.prepare('SELECT id FROM task_numbers').get() as { id: number }).id;
    db.prepare("UPDATE task_numbers SET state = 'dialing', attempts = 1 WHERE id = ?").run(numberId);
    db.prepare("INSERT INTO call_attempts (task_id, task_number_id, attempt_no, state, dry_run, started_at) VALUES (?, ?, 1, 'in_flight', 0, 0)").run(taskId, numberId);
    db.prepare("INSERT INTO sms_outbox (task_id, task_number_id, kind, to_e164, text, state, dry_run, created_at, updated_at) VALUES (?, ?, 'unanswered', '+6281200000000', 'x', 'sending', 0, 0, 0)").run(taskId, numberId);
    await run({ send: () => Promise.reject(new Error('nothing may be sent')) });
    const [number] = tasks.numbers(taskId, 'uncertain', 1, 10).items;
    expect(number!.sms).toMatchObject({ state: 'uncertain', errorCode: { code: 'sms.interrupted', params: {} } });
    expect(tasks.attempts(numberId)).toMatchObject([{ state: 'uncertain', error: 'The app stopped while this call was in progress.', errorCodes: [{ code: 'call.interrupted', params: {} }] }]);
  });
});
