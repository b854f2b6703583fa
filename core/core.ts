import type { EventName } from '../shared/contract/operations.js';
import type { EventPayloads } from '../shared/contract/schemas.js';
import type { Result } from '../shared/result.js';
import type { AppInfo } from '../shared/types.js';
import { systemClock, type Clock } from './clock.js';
import type { CoreContext } from './context.js';
import type { SecretBox } from './credentials/secretBox.js';
import { SecretStore } from './credentials/secretStore.js';
import { Checkpointer } from './db/checkpointer.js';
import { openDatabase, type Db } from './db/database.js';
import { dispatch, type Handlers } from './dispatch.js';
import { buildHandlers } from './handlers.js';
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
import { dryRunSmsSender, type DryRunOptions } from './telephony/dryRunGateway.js';
import { GatewayManager } from './telephony/gatewayManager.js';
import { DialingEngine } from './tasks/engine.js';
import { exportTask } from './tasks/export.js';
import { Lease } from './tasks/lease.js';
import { SmsOutbox } from './sms/outbox.js';
import { TaskFigures } from './tasks/taskFigures.js';
import { TaskService } from './tasks/taskService.js';
import { TaskStore } from './tasks/taskStore.js';
import { SmsDeliveryPoller, type DeliveryStatusSource } from './sms/delivery.js';
import { TaskSmsService } from './tasks/taskSms.js';
import type { MediaFactory } from './telephony/media/types.js';
import type { EngineStatus } from '../shared/types.js';
import { DoNotCallService } from './dnc/doNotCallService.js';
import type { SmsTestView } from '../shared/types.js';
import { sendTestSms } from './sms/testSms.js';

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
  /** The gateway's lifecycle: dry run, the SIP gateway for the saved settings, test calls. */
  readonly gatewayManager: GatewayManager;
  private readonly lease: Lease;
  private readonly outbox: SmsOutbox;
  private readonly handlers: Handlers;

  private constructor(
    readonly ctx: CoreContext,
    readonly options: CoreOptions,
    private readonly listeners: Set<EventListener>,
    private readonly checkpointer: Checkpointer,
  ) {
    this.tasks = new TaskService(ctx, {
      // A task is created for the gateway configured now, and keeps it.
      isDryRun: () => this.gatewayManager.isDryRun(),
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
    this.gatewayManager = new GatewayManager({
      settings: this.gateway,
      log: ctx.log,
      payloadPath: (id, codec) => this.recordings.payloadPath(id, codec),
      checkRecording: (id) => void this.recordings.get(id),
      onStateChange: () => this.engine.wake(),
      ...(options.dryRun ? { dryRun: options.dryRun } : {}),
      ...(options.media ? { media: options.media } : {}),
    });
    this.lease = new Lease(ctx.db, ctx.clock, 'dialer', options.engine?.leaseTtlMs);
    const outbox = (this.outbox = new SmsOutbox(ctx, { realSender: () => this.smsAccount.client(), dryRunSender: dryRunSmsSender(options.dryRun?.journal) }));
    this.taskSms = new TaskSmsService(ctx, { onChange: () => this.engine.wake() });
    const delivery = new SmsDeliveryPoller(ctx, { statusSource: (provider) => this.deliveryStatusSource(provider) });
    this.engine = new DialingEngine(ctx, {
      placer: (dryRun) => this.gatewayManager.placer(dryRun),
      lease: this.lease,
      outbox,
      delivery,
      ...(options.engine?.tickMs ? { tickMs: options.engine.tickMs } : {}),
    });
    this.scheduler = new Scheduler(ctx, () => this.engine.wake());
    this.figures = new TaskFigures(ctx, {
      engineStatus: () => this.engineStatus(),
      activeCallsOf: (taskId) => this.engine.activeCallsOf(taskId),
      channelLimit: () => this.gatewayManager.channelLimit(),
    });
    this.handlers = buildHandlers(this);
  }

  static async open(options: CoreOptions): Promise<Core> {
    const paths = dataPaths(options.dataDir);
    // Private before anything is written into it (docs/ARCHITECTURE.md, "Privacy").
    let tightened = makeDataFolderPrivate(options.dataDir);
    const log = options.log ?? fileLogger(paths.log);
    const clock = options.clock ?? systemClock;
    const db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    // WAL checkpoints on a thread of their own, not inside the commits of this one (core/db/checkpointer.ts).
    const checkpointer = new Checkpointer(db, options.nativeBinding, log);
    const blobs = new BlobStore(paths.files);
    await blobs.init();
    await blobs.sweepTemp();
    let secretBox: SecretBox;
    try {
      secretBox = typeof options.secretBox === 'function' ? await options.secretBox(db, log) : options.secretBox;
    } catch (err) {
      void checkpointer.stop();
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
    const core = new Core(ctx, options, listeners, checkpointer);
    // Imports interrupted by a crash left staged rosters: they were never confirmed.
    core.rosters.sweepStaged();
    log.info('core opened', { dataDir: options.dataDir, host: options.host });
    return core;
  }

  /** Who can say whether an SMS sent through `provider` was delivered: the saved account, while it is that provider and its API can. */
  private deliveryStatusSource(provider: string): DeliveryStatusSource | null {
    const client = this.smsAccount.statusClient(provider);
    const status = client?.status?.bind(client);
    return status ? { status } : null;
  }

  /** The wizard's "send me this SMS" (core/sms/testSms.ts). */
  sendTestSms(input: { to: string; templateId: number; rosterId: number; rowNumber: number }): Promise<SmsTestView> {
    return sendTestSms(
      {
        template: (id) => this.templates.get(id),
        rosterRow: (rosterId, rowNumber) => this.rosters.entryAt(rosterId, rowNumber),
        isDryRun: () => this.gatewayManager.isDryRun(),
        dryRunSend: (message) => dryRunSmsSender(this.options.dryRun?.journal).send(message),
        accountSend: (message) => this.smsAccount.test(message),
      },
      input,
    );
  }

  engineStatus(): EngineStatus {
    const gateway = this.gatewayManager.state();
    return {
      dialing: this.lease.holds(),
      otherHolder: this.lease.holds() ? null : this.lease.currentHolder(),
      activeCalls: this.engine.activeCalls,
      gateway: gateway.gateway,
      gatewayState: gateway.state,
      gatewayError: gateway.error,
      tasksWaitingForGateway: gateway.state === 'ready' ? 0 : new TaskStore(this.ctx.db).countRunning(false),
    };
  }

  /** Starts scheduling and dialing in this process (the desktop app, `autocall run`, the e2e bridge). */
  startEngine(): void {
    this.scheduler.refresh();
    this.engine.start();
  }

  /** No task is running or due, and no call or SMS is in flight: `autocall run --until-idle` may exit. */
  idle(): boolean {
    const busy = new TaskStore(this.ctx.db).hasWork(this.ctx.clock.now());
    return !busy && !this.outbox.hasWork() && this.engine.activeCalls === 0;
  }

  async exportTask(id: number, format: 'csv' | 'xlsx', path: string): Promise<{ path: string; rows: number }> {
    this.tasks.get(id);
    return { path, rows: await exportTask(this.ctx, id, format, path) };
  }

  async stopEngine(): Promise<void> {
    this.scheduler.stop();
    await this.engine.stop();
    await this.gatewayManager.close();
  }

  dispatch(operation: unknown, input: unknown): Promise<Result<unknown>> {
    return dispatch(this.handlers, this.ctx.log, operation, input);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the SIP gateway (unregistering where it registered) and waits for its sockets to close. */
  closeGateway(): Promise<void> {
    return this.gatewayManager.close();
  }

  close(): void {
    this.scheduler.stop();
    this.gatewayManager.retire();
    this.listeners.clear();
    void this.checkpointer.stop();
    if (this.ctx.db.open) this.ctx.db.close();
  }
}
