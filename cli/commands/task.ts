import { CALL_AGAIN_DEFAULT, CALL_AGAIN_OUTCOMES, type CallAgainOutcome } from '../../shared/tasks/outcomeGroups.js';
import { formatWib } from '../../shared/time/wib.js';
import { OUTCOMES, type Task, type UncertainSms } from '../../shared/types.js';
import { parseCommand, parseId, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';

const NUMBER_FILTERS = ['all', 'pending', 'uncertain', ...OUTCOMES] as const;
function isNumberFilter(text: string): text is (typeof NUMBER_FILTERS)[number] {
  return (NUMBER_FILTERS as readonly string[]).includes(text);
}

export function describeTask(t: Task): string {
  const c = t.counts;
  return (
    `${t.id} "${t.name}" ${t.status}${t.dryRun ? ' [DRY RUN]' : ''}${t.startedLate ? ' (started late)' : ''}: ${c.done}/${t.total} done, ` +
    `answered ${c.answered}, unanswered ${c.unanswered}, invalid ${c.invalid}, rejected ${c.rejected}, failed ${c.failed}, ` +
    `uncertain ${c.uncertain}, SMS sent ${c.smsSent}${c.smsFailed ? `, SMS failed ${c.smsFailed}` : ''}` +
    deliverySummary(t)
  );
}

/** ", SMS delivered 8, undelivered 1, expired 1 (80% delivered)" once a delivery is known (issue 10). */
function deliverySummary(t: Task): string {
  const c = t.counts;
  if (c.smsDelivered + c.smsUndelivered + c.smsExpired === 0) return '';
  const rate = t.smsDeliveryRate === null ? '' : ` (${Math.round(t.smsDeliveryRate * 100)}% delivered)`;
  return `, SMS delivered ${c.smsDelivered}, undelivered ${c.smsUndelivered}, expired ${c.smsExpired}${rate}`;
}

/** `task uncertain-sms ID` and `task resend-sms ID (--sms N ... | --all) --yes` (issue 10). */
async function uncertainSmsCommand(api: CliHost['api'], sub: 'uncertain-sms' | 'resend-sms', rest: string[], out: Output): Promise<void> {
  if (sub === 'uncertain-sms') {
    const { positionals } = parseCommand(rest, {});
    const id = parseId(positionals[0], 'The task ID');
    const list: UncertainSms[] = unwrap(await api.task.uncertainSms({ id }));
    out.value(list, (l) =>
      l.length === 0
        ? 'No uncertain SMS in this task.'
        : [
            `${l.length} SMS may or may not have been sent (the app stopped while sending). They are never sent again on their own;`,
            `check the provider's message log, then send them again with: autocall task resend-sms ${id} --sms SMS_ID | --all --yes`,
            table(
              ['SMS_ID', 'ROW', 'PHONE', 'KIND', 'SINCE (WIB)', 'TEXT'],
              l.map((s) => [s.id, s.rowNumber, s.phoneE164, s.kind, formatWib(s.updatedAt, true), s.text.length > 40 ? `${s.text.slice(0, 39)}…` : s.text]),
            ),
          ].join('\n'),
    );
    return;
  }
  const { values, positionals } = parseCommand(rest, { sms: { type: 'string', multiple: true }, all: { type: 'boolean' }, yes: { type: 'boolean' } });
  const id = parseId(positionals[0], 'The task ID');
  const chosen = values.sms ?? [];
  if (!!values.all === chosen.length > 0) throw new UsageError('task resend-sms needs exactly one of --all or --sms SMS_ID (repeatable); `task uncertain-sms ID` lists the IDs.');
  if (!values.yes) {
    // The one place an SMS may leave twice, so the user says so in as many words.
    throw new UsageError(
      'These SMS may already have reached the customer: sending them again may make the customer receive them twice. Check the provider\'s message log first; to send them again anyway, add --yes.',
    );
  }
  const result = unwrap(await api.task.resendSms({ id, sms: values.all ? 'all' : chosen.map((s) => parseId(s, '--sms')), acceptDuplicate: true }));
  out.value(result, (r) =>
    r.requeued === 0 ? 'No uncertain SMS to send again.' : `${r.requeued} SMS queued to be sent again; they leave when a dialer runs (the desktop app or \`autocall run\`).`,
  );
}

export async function taskCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values } = parseCommand(rest, {
        name: { type: 'string' },
        recording: { type: 'string' },
        roster: { type: 'string' },
        now: { type: 'boolean' },
        at: { type: 'string' },
        'sms-disconnect': { type: 'string' },
        'sms-unanswered': { type: 'string' },
        attempts: { type: 'string' },
        'retry-minutes': { type: 'string' },
        window: { type: 'string' },
      });
      if (!values.name || !values.recording || !values.roster) throw new UsageError('task create needs --name, --recording and --roster.');
      if (!!values.now === !!values.at) throw new UsageError('task create needs exactly one of --now or --at "YYYY-MM-DD HH:mm" (WIB).');
      let callingWindow: { start: string; end: string } | null = null;
      if (values.window) {
        const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(values.window);
        if (!m) throw new UsageError('--window takes HH:mm-HH:mm in WIB, for example 08:00-20:00.');
        callingWindow = { start: m[1]!, end: m[2]! };
      }
      const task = unwrap(
        await api.task.create({
          name: values.name,
          recordingId: parseId(values.recording, '--recording'),
          rosterId: parseId(values.roster, '--roster'),
          start: values.at ? { mode: 'scheduled', at: values.at } : { mode: 'now' },
          smsDisconnectTemplateId: values['sms-disconnect'] ? parseId(values['sms-disconnect'], '--sms-disconnect') : null,
          smsUnansweredTemplateId: values['sms-unanswered'] ? parseId(values['sms-unanswered'], '--sms-unanswered') : null,
          maxAttempts: values.attempts ? parseId(values.attempts, '--attempts') : 1,
          retryIntervalMinutes: values['retry-minutes'] ? parseId(values['retry-minutes'], '--retry-minutes') : 0,
          callingWindow,
        }),
      );
      out.value(task, (t) =>
        [
          `Created task ${describeTask(t)}.`,
          t.scheduled ? `It starts at ${formatWib(t.startAt)}.` : 'It starts as soon as a dialer runs (the desktop app or `autocall run`).',
        ].join('\n'),
      );
      return;
    }
    case 'list': {
      const { values } = parseCommand(rest, { page: { type: 'string' } });
      const page = unwrap(await api.task.list({ page: values.page ? parseId(values.page, '--page') : 1, pageSize: 50 }));
      out.value(page, (p) =>
        table(
          ['ID', 'NAME', 'STATUS', 'START (WIB)', 'DONE', 'ANSWERED', 'UNANSWERED', 'INVALID', 'FAILED', 'SMS'],
          p.items.map((t) => [
            t.id,
            t.name + (t.dryRun ? ' [DRY RUN]' : ''),
            t.status,
            formatWib(t.startAt),
            `${t.counts.done}/${t.total}`,
            t.counts.answered,
            t.counts.unanswered,
            t.counts.invalid,
            t.counts.failed,
            t.counts.smsSent,
          ]),
        ),
      );
      return;
    }
    case 'show':
    case 'rename':
    case 'pause':
    case 'resume':
    case 'cancel':
    case 'remove':
    case 'retry-uncertain': {
      const { positionals } = parseCommand(rest, {});
      const id = parseId(positionals[0], 'The task ID');
      if (sub === 'rename') {
        if (positionals.length !== 2) throw new UsageError('task rename takes ID and NAME (quote a name with spaces).');
        const t = unwrap(await api.task.rename({ id, name: positionals[1]! }));
        out.value(t, (v) => `Renamed: ${describeTask(v)}`);
        return;
      }
      if (sub === 'remove') {
        unwrap(await api.task.remove({ id }));
        out.value({ removed: id }, () => `Deleted task ${id}.`);
        return;
      }
      const call = sub === 'show' ? api.task.get : sub === 'retry-uncertain' ? api.task.retryUncertain : api.task[sub];
      const t = unwrap(await call({ id }));
      out.value(t, (v) => describeTask(v));
      return;
    }
    case 'uncertain-sms':
    case 'resend-sms':
      await uncertainSmsCommand(api, sub, rest, out);
      return;
    case 'call-again': {
      // A new task from the numbers of chosen outcomes (issue 9; as VICIdial recycles a list).
      const { values, positionals } = parseCommand(rest, { name: { type: 'string' }, outcomes: { type: 'string' }, now: { type: 'boolean' }, at: { type: 'string' } });
      const id = parseId(positionals[0], 'The task ID');
      if (!values.name) throw new UsageError('task call-again needs --name for the new task.');
      if (values.now && values.at) throw new UsageError('task call-again takes --now or --at "YYYY-MM-DD HH:mm" (WIB), not both.');
      const outcomes = (values.outcomes ?? CALL_AGAIN_DEFAULT.join(',')).split(',').map((o) => o.trim());
      const unknown = outcomes.filter((o) => !(CALL_AGAIN_OUTCOMES as readonly string[]).includes(o));
      if (unknown.length > 0) throw new UsageError(`--outcomes takes a comma-separated list of ${CALL_AGAIN_OUTCOMES.join(', ')} (got ${unknown.join(', ')}).`);
      const t = unwrap(
        await api.task.callAgain({
          id,
          name: values.name,
          outcomes: outcomes as CallAgainOutcome[],
          start: values.at ? { mode: 'scheduled', at: values.at } : { mode: 'now' },
        }),
      );
      out.value(t, (v) => `Created task ${describeTask(v)}.`);
      return;
    }
    default:
      throw new UsageError(
        `task needs create, list, show, rename, pause, resume, cancel, remove, retry-uncertain, uncertain-sms, resend-sms or call-again (got ${sub ?? 'nothing'}).`,
      );
  }
}

export async function callsCommand({ api, client }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseCommand(rest, { task: { type: 'string' }, page: { type: 'string' }, outcome: { type: 'string' } });
    const id = parseId(values.task, '--task');
    const filter = values.outcome ?? 'all';
    if (!isNumberFilter(filter)) throw new UsageError(`--outcome must be one of ${NUMBER_FILTERS.join(', ')} (got ${filter}).`);
    const page = unwrap(
      await api.task.numbers({ id, filter, page: values.page ? parseId(values.page, '--page') : 1, pageSize: 100 }),
    );
    out.value(page, (p) =>
      [
        `Page ${p.page} of ${Math.max(1, Math.ceil(p.total / p.pageSize))} (${p.total} numbers)`,
        table(
          ['ROW', 'PHONE', 'OUTCOME', 'ATTEMPTS', 'LAST ATTEMPT', 'SIP', 'CAUSE', 'SMS', 'DELIVERY'],
          p.items.map((n) => [
            n.rowNumber,
            n.phoneE164,
            n.state === 'done' ? (n.outcome ?? '') : n.state,
            n.attempts,
            n.lastAttemptAt ? formatWib(n.lastAttemptAt, true) : '',
            n.finalStatus ?? '',
            n.q850Cause ?? '',
            n.sms ? `${n.sms.kind} ${n.sms.state}${n.sms.error ? `: ${n.sms.error}` : ''}` : '',
            n.sms?.delivery ?? '',
          ]),
        ),
      ].join('\n'),
    );
    return;
  }
  if (sub === 'export') {
    const { values } = parseCommand(rest, { task: { type: 'string' }, out: { type: 'string' } });
    const id = parseId(values.task, '--task');
    if (!values.out) throw new UsageError('calls export needs --out FILE (.csv or .xlsx).');
    const format = values.out.toLowerCase().endsWith('.xlsx') ? 'xlsx' : values.out.toLowerCase().endsWith('.csv') ? 'csv' : null;
    if (!format) throw new UsageError('--out must end in .csv or .xlsx.');
    const result = unwrap(await client.control('task.exportTo', { id, format, path: values.out }));
    out.value(result, (r) => `Wrote ${r.rows} rows to ${r.path}.`);
    return;
  }
  throw new UsageError(`calls needs list or export (got ${sub ?? 'nothing'}).`);
}
