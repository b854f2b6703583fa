import type { EventName } from '../shared/contract/operations.js';
import type { EventPayloads } from '../shared/contract/schemas.js';
import type { Result } from '../shared/result.js';
import type { AppInfo } from '../shared/types.js';
import { systemClock, type Clock } from './clock.js';
import type { CoreContext } from './context.js';
import type { SecretBox } from './credentials/secretBox.js';
import { SecretStore } from './credentials/secretStore.js';
import { openDatabase, type Db } from './db/database.js';
import { dispatch, type Handlers } from './dispatch.js';
import { BlobStore } from './files/blobStore.js';
import { makeDataFolderPrivate } from './files/privateFolder.js';
import { fileLogger, type Logger } from './log.js';
import { dataPaths } from './paths.js';
import { RecordingService } from './recordings/recordingService.js';
import { RosterService } from './rosters/rosterService.js';
import { SettingsService } from './settings/settingsService.js';
import { GatewaySettingsService } from './settings/gatewaySettings.js';
import { SmsAccountService } from './sms/accountService.js';
import { SmsTemplateService } from './sms/templateService.js';
import { Scheduler } from './scheduling/scheduler.js';
import { DryRunGateway, dryRunSmsSender, type DryRunOptions } from './telephony/dryRunGateway.js';
import { DialingEngine } from './tasks/engine.js';
import { exportTask } from './tasks/export.js';
import { Lease } from './tasks/lease.js';
import { SmsOutbox } from './sms/outbox.js';
import { TaskFigures } from './tasks/taskFigures.js';
import { TaskService } from './tasks/taskService.js';
import { SmsDeliveryPoller, type DeliveryStatusSource } from './sms/delivery.js';
import { TaskSmsService } from './tasks/taskSms.js';
import type { CallPlacer } from './tasks/types.js';
import { WorkerMediaFactory } from './telephony/media/workerMedia.js';
import type { MediaFactory } from './telephony/media/types.js';
import { SipGateway } from './telephony/gateway/sipGateway.js';
import { SipCallPlacer, toGatewayConfig } from './telephony/sipPlacer.js';
import type { CallResult, EngineStatus, GatewaySettings, GatewayTestView, TestCallResult } from '../shared/types.js';
import { checkWib } from '../shared/time/wib.js';
import { normalizePhone } from '../shared/phone/normalize.js';
import { AppError } from './errors.js';
import { DoNotCallService } from './dnc/doNotCallService.js';
import { renderTemplate } from '../shared/sms/render.js';
import type { SmsTestView } from '../shared/types.js';

export interface CoreOptions {
  dataDir: string;
  /** Or made from the opened store (the desktop's core host opens its sealed key first: core/credentials/sealedKeyBox.ts). */
  secretBox: SecretBox | ((db: Db, log: Logger) => Promise<SecretBox>);
  host: AppInfo['host'];
  version: string;
  clock?: Clock;
  fetch?: typeof fetch;
  log?: Logger;
  /** better_sqlite3.node built for the running runtime (the desktop app passes Electron's). */
  nativeBinding?: string;
  /** Asks the user where to save an export (Electron's save dialog); null when they cancel. */
  pickSavePath?: (suggestedName: string) => Promise<string | null>;
  /** The desktop app registers or removes itself as a login item. */
  onStartAtLoginChanged?: (enabled: boolean) => void;
  /** The dry-run gateway's behaviour (tests make it fast and deterministic). */
  dryRun?: DryRunOptions;
  /** RTP media for SIP calls (default: real RTP sockets paced by the shared clock). */
  media?: MediaFactory;
  /** Engine tick and lease timing (tests shorten them). */
  engine?: { tickMs?: number; leaseTtlMs?: number };
}

type EventListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/**
 * The domain core, assembled from injected parts. Everything outside
 * (Electron IPC, the test bridge, the command line) talks to it through
 * `dispatch`, which validates against the shared contract.
 */
export class Core {
  readonly recordings: RecordingService;
  readonly rosters: RosterService;
  readonly templates: SmsTemplateService;
  readonly smsAccount: SmsAccountService;
  readonly settings: SettingsService;
  readonly tasks: TaskService;
  readonly figures: TaskFigures;
  readonly gateway: GatewaySettingsService;
  readonly engine: DialingEngine;
  readonly scheduler: Scheduler;
  readonly taskSms: TaskSmsService;
  readonly doNotCall: DoNotCallService;
  private readonly lease: Lease;
  private readonly dryRunGateway: DryRunGateway;
  /** The SIP gateway for the saved settings; rebuilt when they change. */
  private sip: { key: string; placer: SipCallPlacer } | null = null;
  /** Bumped by every save of Settings > Gateway here, so a new password takes effect too. */
  private gatewayGeneration = 0;
  /** The test calls in progress, so that Cancel can end them. */
  private readonly testCalls = new Set<AbortController>();
  private readonly handlers: Handlers;

  private constructor(
    readonly ctx: CoreContext,
    private readonly options: CoreOptions,
    private readonly listeners: Set<EventListener>,
  ) {
    this.tasks = new TaskService(ctx, {
      // A task is created for the gateway configured now, and keeps it.
      isDryRun: () => this.gateway.settings().mode !== 'sip',
      onChange: () => {
        this.scheduler.refresh();
        this.engine.wake();
        this.figures.forget();
      },
    });
    // A recording, roster or template used by an unfinished task cannot be deleted.
    // The refusal names the task (the first unfinished one that uses it).
    const usedBy = (kind: 'recording' | 'roster' | 'template') => (id: number) => this.tasks.usersOf(kind, id)[0]?.name ?? null;
    this.recordings = new RecordingService(ctx, { isInUse: (id) => this.tasks.usesRecording(id), usedBy: usedBy('recording') });
    this.rosters = new RosterService(ctx, { isInUse: (id) => this.tasks.usesRoster(id), usedBy: usedBy('roster') });
    this.templates = new SmsTemplateService(ctx, { isInUse: (id) => this.tasks.usesTemplate(id), usedBy: usedBy('template') });
    this.doNotCall = new DoNotCallService(ctx);
    this.smsAccount = new SmsAccountService(ctx);
    this.settings = new SettingsService(ctx.db);
    this.gateway = new GatewaySettingsService(ctx);
    this.dryRunGateway = new DryRunGateway(options.dryRun);
    this.lease = new Lease(ctx.db, ctx.clock, 'dialer', options.engine?.leaseTtlMs);
    const outbox = new SmsOutbox(ctx, { realSender: () => this.smsAccount.client(), dryRunSender: dryRunSmsSender(options.dryRun?.journal) });
    this.taskSms = new TaskSmsService(ctx, { onChange: () => this.engine.wake() });
    const delivery = new SmsDeliveryPoller(ctx, { statusSource: (provider) => this.deliveryStatusSource(provider) });
    this.engine = new DialingEngine(ctx, {
      placer: (dryRun) => this.placer(dryRun),
      lease: this.lease,
      outbox,
      delivery,
      ...(options.engine?.tickMs ? { tickMs: options.engine.tickMs } : {}),
    });
    this.scheduler = new Scheduler(ctx, () => this.engine.wake());
    this.figures = new TaskFigures(ctx, {
      engineStatus: () => this.engineStatus(),
      activeCallsOf: (taskId) => this.engine.activeCallsOf(taskId),
      channelLimit: () => this.channelLimit(),
    });
    this.handlers = this.buildHandlers();
  }

  static async open(options: CoreOptions): Promise<Core> {
    const paths = dataPaths(options.dataDir);
    // Private before anything is written into it (docs/ARCHITECTURE.md, "Privacy").
    let tightened = makeDataFolderPrivate(options.dataDir);
    const log = options.log ?? fileLogger(paths.log);
    const clock = options.clock ?? systemClock;
    const db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    const blobs = new BlobStore(paths.files);
    await blobs.init();
    await blobs.sweepTemp();
    let secretBox: SecretBox;
    try {
      secretBox = typeof options.secretBox === 'function' ? await options.secretBox(db, log) : options.secretBox;
    } catch (err) {
      db.close();
      throw err;
    }
    // Again for what opening created (a new autocall.db, its -wal and -shm, which SQLite then keeps at the database's mode).
    tightened += makeDataFolderPrivate(options.dataDir);
    if (tightened > 0) log.info('data folder made private (0700/0600)', { changed: tightened });
    const listeners = new Set<EventListener>();
    const ctx: CoreContext = {
      dataDir: options.dataDir,
      db,
      blobs,
      secrets: new SecretStore(db, secretBox, clock),
      clock,
      log,
      emit: (event, payload) => {
        for (const listener of listeners) listener(event, payload);
      },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    const core = new Core(ctx, options, listeners);
    // Imports interrupted by a crash left staged rosters: they were never confirmed.
    core.rosters.sweepStaged();
    log.info('core opened', { dataDir: options.dataDir, host: options.host });
    return core;
  }

  /**
   * The gateway for tasks of one kind. Dry-run tasks always use the dry-run
   * gateway. Real tasks use the SIP gateway for the saved settings, or wait
   * (null) while Settings > Gateway is not on SIP. When the settings change,
   * the old SIP gateway finishes its connected calls and stops.
   */
  placer(dryRun: boolean): CallPlacer | null {
    if (dryRun) return this.dryRunGateway;
    const settings = this.gateway.settings();
    if (settings.mode !== 'sip') {
      this.retireSip();
      return null;
    }
    return this.sipPlacer(settings);
  }

  /** Who can say whether an SMS sent through `provider` was delivered: the saved account, while it is that provider and its API can. */
  private deliveryStatusSource(provider: string): DeliveryStatusSource | null {
    const client = this.smsAccount.statusClient(provider);
    const status = client?.status?.bind(client);
    return status ? { status } : null;
  }

  private sipPlacer(settings = this.gateway.settings()): SipCallPlacer {
    const key = `${this.gatewayGeneration}:${JSON.stringify(settings)}`;
    if (this.sip?.key === key) return this.sip.placer;
    this.retireSip();
    const placer = new SipCallPlacer(settings, toGatewayConfig(settings, this.gateway.password()), {
      media: this.media(),
      payloadPath: (id, codec) => this.recordings.payloadPath(id, codec),
      log: this.ctx.log,
      onStateChange: () => this.engine.wake(),
    });
    this.sip = { key, placer };
    return placer;
  }

  private retireSip(): void {
    this.sip?.placer.retire();
    this.sip = null;
  }

  /** Call media: RTP paced on the media worker thread, away from this event loop (issue 8, docs/ARCHITECTURE.md). */
  private media(): MediaFactory {
    return this.options.media ?? new WorkerMediaFactory({ log: (line) => this.ctx.log.warn(line) });
  }

  private checkGatewayConfigured(): ReturnType<GatewaySettingsService['settings']> {
    const settings = this.gateway.settings();
    if (!settings.host) {
      throw new AppError('gateway.hostMissing');
    }
    return settings;
  }

  /** "Test gateway": OPTIONS, and REGISTER where configured, with the saved settings. */
  async testGateway(): Promise<GatewayTestView> {
    const settings = this.checkGatewayConfigured();
    if (settings.mode === 'sip') return this.sipPlacer(settings).test();
    const gateway = new SipGateway(toGatewayConfig(settings, this.gateway.password()), { media: this.media() });
    try {
      return await gateway.test();
    } finally {
      await gateway.stop();
    }
  }

  /** "Test call": one real call to `to` with a recording, outside any task, until it ends or `cancelTestCalls()`. */
  async testCall(to: string, recordingId: number): Promise<TestCallResult> {
    const phone = normalizePhone(to);
    if (!phone.ok) throw new AppError('gateway.badNumber', { number: to });
    const settings = this.checkGatewayConfigured();
    this.recordings.get(recordingId);
    const controller = new AbortController();
    this.testCalls.add(controller);
    try {
      const result = await this.placeTestCall(settings, phone.e164, recordingId, controller.signal);
      // Only a call still in progress can be cancelled (it leaves the set when it ends), so an abort here had effect.
      return { ...result, cancelledByUser: controller.signal.aborted };
    } finally {
      this.testCalls.delete(controller);
    }
  }

  /** Settings > Gateway > Cancel: the call sends CANCEL while it rings, BYE once answered (outboundCall.ts). */
  cancelTestCalls(): void {
    for (const controller of this.testCalls) controller.abort();
  }

  private async placeTestCall(settings: GatewaySettings, e164: string, recordingId: number, signal: AbortSignal): Promise<CallResult> {
    if (settings.mode === 'sip') return this.sipPlacer(settings).testCall(e164, recordingId, signal);
    // In dry run no SIP gateway runs: this one call gets its own, stopped when it ends.
    const placer = new SipCallPlacer(settings, toGatewayConfig(settings, this.gateway.password()), {
      media: this.media(),
      payloadPath: (id, codec) => this.recordings.payloadPath(id, codec),
      log: this.ctx.log,
    });
    try {
      return await placer.testCall(e164, recordingId, signal);
    } finally {
      await placer.close();
    }
  }

  /**
   * The wizard's "send me this SMS": the template filled in from one roster
   * row, sent to the user's own number through the SMS account's send path.
   * While the dry-run gateway is selected nothing leaves (a task made now
   * would send no real SMS either); the dry-run sender records it.
   */
  async sendTestSms(input: { to: string; templateId: number; rosterId: number; rowNumber: number }): Promise<SmsTestView> {
    const phone = normalizePhone(input.to);
    if (!phone.ok) throw new AppError('sms.badNumber', { number: input.to });
    const template = this.templates.get(input.templateId);
    const row = this.ctx.db
      .prepare('SELECT phone_e164, variables FROM roster_entries WHERE roster_id = ? AND row_number = ?')
      .get(input.rosterId, input.rowNumber) as { phone_e164: string; variables: string } | undefined;
    if (!row) {
      throw new AppError('sms.testRowMissing', { row: input.rowNumber });
    }
    // The variables a task's SMS gets (core/sms/outbox.ts): the row's columns and {phone}.
    const { text } = renderTemplate(template.body, { ...(JSON.parse(row.variables) as Record<string, string>), phone: row.phone_e164 });
    const dryRun = this.gateway.settings().mode !== 'sip';
    const result = dryRun ? await dryRunSmsSender(this.options.dryRun?.journal).send({ to: phone.e164, text }) : await this.smsAccount.test({ to: phone.e164, text });
    return { dryRun, to: phone.e164, text, result };
  }

  engineStatus(): EngineStatus {
    const sip = this.gateway.settings().mode === 'sip' ? this.sipPlacer() : null;
    return {
      dialing: this.lease.holds(),
      otherHolder: this.lease.holds() ? null : this.lease.currentHolder(),
      activeCalls: this.engine.activeCalls,
      gateway: sip ? 'sip' : 'dryRun',
      gatewayState: sip ? sip.state : 'dryRun',
      gatewayError: sip ? sip.error : null,
      tasksWaitingForGateway:
        sip?.state === 'ready'
          ? 0
          : (this.ctx.db.prepare("SELECT count(*) FROM tasks WHERE status = 'running' AND dry_run = 0").pluck().get() as number),
    };
  }

  /** The selected gateway's channels: Settings > Gateway's in SIP mode (even while it is not ready), else the dry run's. */
  channelLimit(): number {
    const settings = this.gateway.settings();
    return settings.mode === 'sip' ? settings.channels : this.dryRunGateway.channels;
  }

  /** Start time of a new task from the contract's `start` (WIB wall-clock time for a scheduled run). */
  private startAtOf(start: { mode: 'now' } | { mode: 'scheduled'; at: string }): { startAt?: number } {
    if (start.mode === 'now') return {};
    // The field that is wrong, by its own code: the shape, the date (2026-02-30) or the time (24:00).
    const parsed = checkWib(start.at);
    if (!parsed.ok) throw AppError.of(parsed.problem);
    return { startAt: parsed.at };
  }

  /** Starts scheduling and dialing in this process (the desktop app, `autocall run`, the e2e bridge). */
  startEngine(): void {
    this.scheduler.refresh();
    this.engine.start();
  }

  /** No task is running or due, and no call or SMS is in flight: `autocall run --until-idle` may exit. */
  idle(): boolean {
    const busy = this.ctx.db
      .prepare("SELECT 1 FROM tasks WHERE status = 'running' OR (status = 'scheduled' AND start_at <= ?) LIMIT 1")
      .get(this.ctx.clock.now());
    const queued = this.ctx.db.prepare("SELECT 1 FROM sms_outbox WHERE state IN ('queued', 'sending') LIMIT 1").get();
    return !busy && !queued && this.engine.activeCalls === 0;
  }

  async exportTask(id: number, format: 'csv' | 'xlsx', path: string): Promise<{ path: string; rows: number }> {
    this.tasks.get(id);
    return { path, rows: await exportTask(this.ctx, id, format, path) };
  }

  async stopEngine(): Promise<void> {
    this.scheduler.stop();
    await this.engine.stop();
    await this.closeGateway();
  }

  dispatch(operation: unknown, input: unknown): Promise<Result<unknown>> {
    return dispatch(this.handlers, this.ctx.log, operation, input);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the SIP gateway (unregistering where it registered) and waits for its sockets to close. */
  async closeGateway(): Promise<void> {
    const sip = this.sip?.placer;
    this.sip = null;
    await sip?.close();
  }

  close(): void {
    this.scheduler.stop();
    this.retireSip();
    this.listeners.clear();
    if (this.ctx.db.open) this.ctx.db.close();
  }

  private buildHandlers(): Handlers {
    const { recordings, rosters, templates, smsAccount, settings } = this;
    return {
      'app.info': () => ({
        version: this.options.version,
        dataDir: this.ctx.dataDir,
        locale: settings.locale(),
        localeChosen: settings.localeChosen(),
        theme: settings.theme(),
        startAtLogin: settings.startAtLogin(),
        host: this.options.host,
      }),
      'settings.setLocale': ({ locale }) => settings.setLocale(locale),
      'settings.setStartAtLogin': ({ enabled }) => {
        settings.setStartAtLogin(enabled);
        this.options.onStartAtLoginChanged?.(enabled);
      },

      'recording.add': (input) => recordings.add(input),
      'recording.list': () => recordings.list(),
      'recording.rename': ({ id, name }) => recordings.rename(id, name),
      'recording.remove': ({ id }) => recordings.remove(id),
      'recording.audio': ({ id }) => recordings.audio(id),

      'roster.analyze': (input) => rosters.analyze(input),
      'roster.confirm': ({ id }) => rosters.confirm(id),
      'roster.discard': ({ id }) => rosters.discard(id),
      'roster.list': () => rosters.list(),
      'roster.get': ({ id }) => rosters.get(id),
      'roster.entries': ({ id, page, pageSize }) => rosters.entries(id, page, pageSize),
      'roster.issues': ({ id, page, pageSize }) => rosters.issues(id, page, pageSize),
      'roster.remove': ({ id }) => rosters.remove(id),

      'template.list': () => templates.list(),
      'template.create': (input) => templates.create(input),
      'template.update': (input) => templates.update(input),
      'template.approve': ({ id }) => templates.approve(id),
      'template.reject': ({ id, reason }) => templates.reject(id, reason),
      'template.remove': ({ id }) => templates.remove(id),

      'smsAccount.get': () => smsAccount.get(),
      'smsAccount.save': (input) => smsAccount.save(input),
      'smsAccount.test': (input) => smsAccount.test(input),

      'task.create': ({ start, ...rest }) => this.tasks.create({ ...rest, ...this.startAtOf(start) }),
      'task.list': ({ page, pageSize, status }) => this.tasks.list(page, pageSize, status),
      'task.get': ({ id }) => this.tasks.get(id),
      'task.rename': ({ id, name }) => this.tasks.rename(id, name),
      'task.pause': ({ id }) => this.tasks.pause(id),
      'task.resume': ({ id }) => this.tasks.resume(id),
      'task.cancel': ({ id }) => this.tasks.cancel(id),
      'task.remove': ({ id }) => this.tasks.remove(id),
      'task.retryUncertain': ({ id }) => this.tasks.retryUncertain(id),
      'task.numbers': ({ id, filter, page, pageSize, search }) => this.tasks.numbers(id, filter, page, pageSize, search, this.figures.nameColumn(id)),
      'task.export': async ({ id, format }) => {
        const task = this.tasks.get(id);
        if (!this.options.pickSavePath) throw new AppError('task.exportUnavailable');
        const path = await this.options.pickSavePath(`${task.name}.${format}`);
        return path ? this.exportTask(id, format, path) : null;
      },
      'gateway.get': () => this.gateway.view(),
      'gateway.save': ({ settings: gatewaySettings, password }) => {
        const view = this.gateway.save(gatewaySettings, password);
        this.gatewayGeneration += 1;
        this.engine.wake();
        return view;
      },
      'gateway.test': () => this.testGateway(),
      'gateway.testCall': ({ to, recordingId }) => this.testCall(to, recordingId),
      'gateway.cancelTestCall': () => this.cancelTestCalls(),
      'task.attempts': ({ numberId }) => this.tasks.attempts(numberId),
      'task.attemptTrace': ({ attemptId }) => this.tasks.attemptTrace(attemptId),
      'engine.status': () => this.engineStatus(),

      'task.uncertainSms': ({ id }) => this.taskSms.uncertain(id),
      'task.resendSms': ({ id, sms }) => this.taskSms.resend(id, sms),
      'task.smsDeliveries': ({ id, filter, page, pageSize }) => this.taskSms.deliveries(id, filter, page, pageSize),
      // The supervisor's view (issue 9).
      'dashboard.get': () => this.figures.dashboard(),
      'task.stats': ({ id }) => this.figures.task(id),
      'task.callAgain': ({ id, name, outcomes, start }) => this.tasks.callAgain(id, { name, outcomes, ...this.startAtOf(start) }),
      // Do-not-call list, deletion checks, roster preview, wizard test SMS, theme (issue 9, branch dnc).
      'dnc.add': ({ phone, note }) => {
        const entry = this.doNotCall.add(phone, note);
        this.engine.wake();
        return entry;
      },
      'dnc.import': (input) => this.doNotCall.import(input.path, input.phoneColumn),
      'dnc.list': ({ search, page, pageSize }) => this.doNotCall.list(search, page, pageSize),
      'dnc.remove': ({ phone }) => this.doNotCall.remove(phone),
      'dnc.countInRoster': ({ rosterId }) => this.doNotCall.countInRoster(rosterId),
      'task.usersOf': ({ kind, id }) => this.tasks.usersOf(kind, id),
      'roster.exportIssues': async ({ id }) => {
        const roster = rosters.get(id);
        if (!this.options.pickSavePath) throw new AppError('roster.exportUnavailable');
        const base = roster.sourceFileName.replace(/\.[^.]+$/, '');
        const path = await this.options.pickSavePath(`${base} - unusable rows.csv`);
        return path ? { path, rows: await rosters.writeIssuesCsv(id, path) } : null;
      },
      'roster.flags': ({ id }) => rosters.flags(id),
      'sms.sendTest': (input) => this.sendTestSms(input),
      'settings.setTheme': ({ theme }) => settings.setTheme(theme),
    };
  }
}
