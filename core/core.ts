import type { EventName } from '../shared/contract/operations.js';
import type { EventPayloads } from '../shared/contract/schemas.js';
import type { Result } from '../shared/result.js';
import type { AppInfo } from '../shared/types.js';
import { systemClock, type Clock } from './clock.js';
import type { CoreContext } from './context.js';
import type { SecretBox } from './credentials/secretBox.js';
import { SecretStore } from './credentials/secretStore.js';
import { openDatabase } from './db/database.js';
import { dispatch, type Handlers } from './dispatch.js';
import { BlobStore } from './files/blobStore.js';
import { fileLogger, type Logger } from './log.js';
import { dataPaths } from './paths.js';
import { RecordingService } from './recordings/recordingService.js';
import { RosterService } from './rosters/rosterService.js';
import { SettingsService } from './settings/settingsService.js';
import { SmsAccountService } from './sms/accountService.js';
import { SmsTemplateService } from './sms/templateService.js';

export interface CoreOptions {
  dataDir: string;
  secretBox: SecretBox;
  host: AppInfo['host'];
  version: string;
  clock?: Clock;
  fetch?: typeof fetch;
  log?: Logger;
  /** better_sqlite3.node built for the running runtime (the desktop app passes Electron's). */
  nativeBinding?: string;
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
  private readonly handlers: Handlers;

  private constructor(
    readonly ctx: CoreContext,
    private readonly options: CoreOptions,
    private readonly listeners: Set<EventListener>,
  ) {
    // Nothing references tasks yet, so nothing is "in use"; the task feature plugs its query in here.
    this.recordings = new RecordingService(ctx);
    this.rosters = new RosterService(ctx);
    this.templates = new SmsTemplateService(ctx);
    this.smsAccount = new SmsAccountService(ctx);
    this.settings = new SettingsService(ctx.db);
    this.handlers = this.buildHandlers();
  }

  static async open(options: CoreOptions): Promise<Core> {
    const paths = dataPaths(options.dataDir);
    const log = options.log ?? fileLogger(paths.log);
    const clock = options.clock ?? systemClock;
    const db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    const blobs = new BlobStore(paths.files);
    await blobs.init();
    await blobs.sweepTemp();
    const listeners = new Set<EventListener>();
    const ctx: CoreContext = {
      dataDir: options.dataDir,
      db,
      blobs,
      secrets: new SecretStore(db, options.secretBox, clock),
      clock,
      log,
      emit: (event, payload) => {
        for (const listener of listeners) listener(event, payload);
      },
      fetch: options.fetch ?? globalThis.fetch,
    };
    const core = new Core(ctx, options, listeners);
    // Imports interrupted by a crash left staged rosters: they were never confirmed.
    core.rosters.sweepStaged();
    log.info('core opened', { dataDir: options.dataDir, host: options.host });
    return core;
  }

  dispatch(operation: unknown, input: unknown): Promise<Result<unknown>> {
    return dispatch(this.handlers, this.ctx.log, operation, input);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    if (this.ctx.db.open) this.ctx.db.close();
  }

  private buildHandlers(): Handlers {
    const { recordings, rosters, templates, smsAccount, settings } = this;
    return {
      'app.info': () => ({ version: this.options.version, dataDir: this.ctx.dataDir, locale: settings.locale(), host: this.options.host }),
      'settings.setLocale': ({ locale }) => settings.setLocale(locale),

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
    };
  }
}
