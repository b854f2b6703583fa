import type { SmsTemplate } from '../../shared/types.js';
import { smsSegments } from '../../shared/sms/segments.js';
import { parseCommand, parseId, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';

function describe(t: SmsTemplate): string {
  const s = smsSegments(t.body);
  return `${t.id} "${t.name}" ${t.status}${t.rejectionReason ? ` (${t.rejectionReason})` : ''}, ${s.encoding}, ${s.parts} part${s.parts === 1 ? '' : 's'}`;
}

export async function templateCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values } = parseCommand(rest, { name: { type: 'string' }, text: { type: 'string' } });
      if (!values.name || !values.text) throw new UsageError('template add needs --name and --text.');
      const t = unwrap(await api.template.create({ name: values.name, body: values.text }));
      out.value(t, (v) => `Added template ${describe(v)}. Approve it before a task can use it.`);
      return;
    }
    case 'approve': {
      const { positionals } = parseCommand(rest, {});
      const t = unwrap(await api.template.approve({ id: parseId(positionals[0], 'The template ID') }));
      out.value(t, (v) => `Approved template ${describe(v)}.`);
      return;
    }
    case 'reject': {
      const { values, positionals } = parseCommand(rest, { reason: { type: 'string' } });
      if (!values.reason) throw new UsageError('template reject needs --reason.');
      const t = unwrap(await api.template.reject({ id: parseId(positionals[0], 'The template ID'), reason: values.reason }));
      out.value(t, (v) => `Rejected template ${describe(v)}.`);
      return;
    }
    case 'list': {
      parseCommand(rest, {});
      const list = unwrap(await api.template.list({}));
      out.value(list, (rows) =>
        table(
          ['ID', 'NAME', 'STATUS', 'ENCODING', 'PARTS', 'TEXT'],
          rows.map((t) => {
            const s = smsSegments(t.body);
            return [t.id, t.name, t.status, s.encoding, s.parts, t.body.length > 40 ? t.body.slice(0, 39) + '…' : t.body];
          }),
        ),
      );
      return;
    }
    default:
      throw new UsageError(`template needs add, approve, reject or list (got ${sub ?? 'nothing'}).`);
  }
}
