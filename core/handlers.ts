import type { Core } from './core.js';
import type { Handlers } from './dispatch.js';
import { AppError } from './errors.js';

/**
 * The handler table: each contract operation (shared/contract/schemas.ts,
 * input already validated by core/dispatch.ts) to the service that does it.
 * No rule lives here: a handler only picks its service and passes the
 * input on, so that what an operation does is read in one service.
 */
export function buildHandlers(core: Core): Handlers {
  const { recordings, rosters, templates, smsAccount, settings, tasks, figures, gateway, gatewayManager, options } = core;
  return {
    'app.info': () => ({
      version: options.version,
      dataDir: core.ctx.dataDir,
      locale: settings.locale(),
      localeChosen: settings.localeChosen(),
      theme: settings.theme(),
      startAtLogin: settings.startAtLogin(),
      host: options.host,
    }),
    'settings.setLocale': ({ locale }) => settings.setLocale(locale),
    'settings.setStartAtLogin': ({ enabled }) => {
      settings.setStartAtLogin(enabled);
      options.onStartAtLoginChanged?.(enabled);
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

    // The contract's schema has read the WIB start into an instant (shared/tasks/taskSchema.ts); null runs now.
    'task.create': ({ start, ...rest }) => tasks.create({ ...rest, startAt: start }),
    'task.list': ({ page, pageSize, status }) => tasks.list(page, pageSize, status),
    'task.get': ({ id }) => tasks.get(id),
    'task.rename': ({ id, name }) => tasks.rename(id, name),
    'task.pause': ({ id }) => tasks.pause(id),
    'task.resume': ({ id }) => tasks.resume(id),
    'task.cancel': ({ id }) => tasks.cancel(id),
    'task.remove': ({ id }) => tasks.remove(id),
    'task.retryUncertain': ({ id }) => tasks.retryUncertain(id),
    'task.numbers': ({ id, filter, page, pageSize, search }) => tasks.numbers(id, filter, page, pageSize, search, figures.nameColumn(id)),
    'task.export': async ({ id, format }) => {
      const task = tasks.get(id);
      if (!options.pickSavePath) throw new AppError('task.exportUnavailable', 'Export needs a file location; use `autocall calls export` here.');
      const path = await options.pickSavePath(`${task.name}.${format}`);
      return path ? core.exportTask(id, format, path) : null;
    },
    'gateway.get': () => gateway.view(),
    'gateway.save': ({ settings: gatewaySettings, password }) => {
      const view = gateway.save(gatewaySettings, password);
      gatewayManager.saved();
      core.engine.wake();
      return view;
    },
    'gateway.test': () => gatewayManager.test(),
    'gateway.testCall': ({ to, recordingId }) => gatewayManager.testCall(to, recordingId),
    'gateway.cancelTestCall': () => gatewayManager.cancelTestCalls(),
    'task.attempts': ({ numberId }) => tasks.attempts(numberId),
    'task.attemptTrace': ({ attemptId }) => tasks.attemptTrace(attemptId),
    'engine.status': () => core.engineStatus(),

    'task.uncertainSms': ({ id }) => core.taskSms.uncertain(id),
    'task.resendSms': ({ id, sms }) => core.taskSms.resend(id, sms),
    'task.smsDeliveries': ({ id, filter, page, pageSize }) => core.taskSms.deliveries(id, filter, page, pageSize),
    // The supervisor's view (issue 9).
    'dashboard.get': () => figures.dashboard(),
    'task.stats': ({ id }) => figures.task(id),
    'task.callAgain': ({ id, name, outcomes, start }) => tasks.callAgain(id, { name, outcomes, startAt: start }),
    // Do-not-call list, deletion checks, roster preview, wizard test SMS, theme (issue 9, branch dnc).
    'dnc.add': ({ phone, note }) => {
      const entry = core.doNotCall.add(phone, note);
      core.engine.wake();
      return entry;
    },
    'dnc.import': (input) => core.doNotCall.import(input.path, input.phoneColumn),
    'dnc.list': ({ search, page, pageSize }) => core.doNotCall.list(search, page, pageSize),
    'dnc.remove': ({ phone }) => core.doNotCall.remove(phone),
    'dnc.countInRoster': ({ rosterId }) => core.doNotCall.countInRoster(rosterId),
    'task.usersOf': ({ kind, id }) => tasks.usersOf(kind, id),
    'roster.exportIssues': async ({ id }) => {
      const roster = rosters.get(id);
      if (!options.pickSavePath) throw new AppError('roster.exportUnavailable', 'Saving needs a file location; use `autocall roster show ID --issues` here.');
      const base = roster.sourceFileName.replace(/\.[^.]+$/, '');
      const path = await options.pickSavePath(`${base} - unusable rows.csv`);
      return path ? { path, rows: await rosters.writeIssuesCsv(id, path) } : null;
    },
    'roster.flags': ({ id }) => rosters.flags(id),
    'sms.sendTest': (input) => core.sendTestSms(input),
    'settings.setTheme': ({ theme }) => settings.setTheme(theme),
  };
}
