/**
 * The names of every renderer-to-main operation and main-to-renderer event.
 * Kept free of imports so the sandboxed preload can bundle it alone;
 * schemas.ts checks at compile time that it lists exactly the schemas.
 */
export const OPERATIONS = [
  'app.info',
  'settings.setLocale',
  'settings.setStartAtLogin',
  'recording.add',
  'recording.list',
  'recording.rename',
  'recording.remove',
  'recording.audio',
  'roster.analyze',
  'roster.confirm',
  'roster.discard',
  'roster.list',
  'roster.get',
  'roster.entries',
  'roster.issues',
  'roster.remove',
  'template.list',
  'template.create',
  'template.update',
  'template.approve',
  'template.reject',
  'template.remove',
  'smsAccount.get',
  'smsAccount.save',
  'smsAccount.test',
  'task.create',
  'task.list',
  'task.get',
  'task.rename',
  'task.pause',
  'task.resume',
  'task.cancel',
  'task.remove',
  'task.retryUncertain',
  'task.numbers',
  'task.export',
  'task.attempts',
  'task.attemptTrace',
  'engine.status',
  'gateway.get',
  'gateway.save',
  'gateway.test',
  'gateway.testCall',
  'gateway.cancelTestCall',
  // SMS follow-up of a task (issue 10): uncertain SMS and delivery reports.
  'task.uncertainSms',
  'task.resendSms',
  'task.smsDeliveries',
  // The supervisor's view (issue 9): dashboard, task figures, call again.
  'dashboard.get',
  'task.stats',
  'task.callAgain',
  // Do-not-call list, deletion checks, roster preview, wizard test SMS, theme (issue 9, branch dnc).
  'dnc.add',
  'dnc.import',
  'dnc.list',
  'dnc.remove',
  'dnc.countInRoster',
  'task.usersOf',
  'roster.exportIssues',
  'roster.flags',
  'sms.sendTest',
  'settings.setTheme',
] as const;

export type OperationName = (typeof OPERATIONS)[number];

export const EVENTS = ['roster.importProgress', 'recording.progress', 'task.changed', 'app.coreRestarted'] as const;

export type EventName = (typeof EVENTS)[number];

export const IPC_PREFIX = 'autocall:';
