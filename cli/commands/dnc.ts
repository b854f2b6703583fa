import { AppError } from '../../core/errors.js';
import { formatWib } from '../../shared/time/wib.js';
import { parseCommand, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';

/** `autocall dnc add|import|list|remove`: the do-not-call list (docs/DOMAIN.md "Do-not-call list"). */
export async function dncCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parseCommand(rest, { note: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('dnc add takes one phone number (quote it if it has spaces).');
      const entry = unwrap(await api.dnc.add({ phone: positionals[0]!, ...(values.note ? { note: values.note } : {}) }));
      out.value(entry, (e) => `Added ${e.phoneE164} to the do-not-call list. Tasks skip it from now on, running ones included.`);
      return;
    }
    case 'import': {
      const { values, positionals } = parseCommand(rest, { 'phone-column': { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('dnc import takes one .xlsx or .csv file.');
      const result = unwrap(await api.dnc.import({ path: positionals[0]!, ...(values['phone-column'] ? { phoneColumn: values['phone-column'] } : {}) }));
      if (result.kind === 'needsPhoneColumn') {
        throw new AppError('roster.phoneColumnNotFound', { headers: result.headers.join(', ') });
      }
      out.value(result, (r) => {
        const lines = [
          `Read ${r.totalRows} rows of ${r.fileName} (phone column: ${r.phoneColumn}): ${r.added} added, ${r.alreadyListed} already on the list, ${r.invalidCount} unusable.`,
        ];
        if (r.invalid.length > 0) {
          lines.push('Unusable rows (first ones):');
          lines.push(table(['ROW', 'PHONE', 'WHY'], r.invalid.slice(0, 20).map((i) => [i.rowNumber, i.phoneRaw, i.reason])));
        }
        return lines.join('\n');
      });
      return;
    }
    case 'list': {
      const { values } = parseCommand(rest, { search: { type: 'string' }, page: { type: 'string' } });
      const page = values.page === undefined ? 1 : Number(values.page);
      if (!Number.isInteger(page) || page < 1) throw new UsageError(`--page must be a positive whole number (got ${values.page}).`);
      const list = unwrap(await api.dnc.list({ search: values.search ?? '', page, pageSize: 50 }));
      out.value(list, (p) =>
        [
          table(
            ['NUMBER', 'AS ENTERED', 'SOURCE', 'NOTE', 'ADDED (WIB)'],
            p.items.map((e) => [e.phoneE164, e.phoneRaw, e.source, e.note, formatWib(e.createdAt)]),
          ),
          `${p.total} numbers on the list${p.total > p.pageSize ? `, page ${p.page} of ${Math.ceil(p.total / p.pageSize)}` : ''}.`,
        ].join('\n'),
      );
      return;
    }
    case 'remove': {
      const { positionals } = parseCommand(rest, {});
      if (positionals.length !== 1) throw new UsageError('dnc remove takes one phone number.');
      unwrap(await api.dnc.remove({ phone: positionals[0]! }));
      out.value({ removed: positionals[0] }, () => `Removed ${positionals[0]} from the do-not-call list.`);
      return;
    }
    default:
      throw new UsageError(`dnc needs add, import, list or remove (got ${sub ?? 'nothing'}).`);
  }
}
