import type { Roster, RosterAnalysis } from '../../shared/types.js';
import { formatWib } from '../../shared/time/wib.js';
import { CoreRefusal, parseCommand, parseId, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';
import { coded } from '../../shared/messages/errorMessage.js';

function counts(r: Roster): string {
  return `${r.validCount} numbers, ${r.duplicateCount} duplicates dropped, ${r.invalidCount} unusable rows`;
}

export async function rosterCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'import': {
      const { values, positionals } = parseCommand(rest, {
        name: { type: 'string' },
        'phone-column': { type: 'string' },
        preview: { type: 'boolean' },
      });
      if (positionals.length !== 1) throw new UsageError('roster import takes one .xlsx or .csv file.');
      const stop = api.subscribe('roster.importProgress', (p) => {
        out.progress(`${p.rowsRead.toLocaleString('en')} rows, ${Math.round((100 * p.bytesRead) / Math.max(1, p.totalBytes))}%`);
      });
      let analysis: RosterAnalysis;
      try {
        analysis = unwrap(
          await api.roster.analyze({
            path: positionals[0]!,
            ...(values.name ? { name: values.name } : {}),
            ...(values['phone-column'] ? { phoneColumn: values['phone-column'] } : {}),
          }),
        );
      } finally {
        stop();
        out.progress('');
      }
      if (analysis.kind === 'needsPhoneColumn') {
        throw new CoreRefusal(coded('roster.phoneColumnNotFound', { headers: analysis.headers.join(', ') }));
      }
      const roster = values.preview
        ? (unwrap(await api.roster.discard({ id: analysis.roster.id })), analysis.roster)
        : unwrap(await api.roster.confirm({ id: analysis.roster.id }));
      const report = { roster, preview: !!values.preview, issues: analysis.issues };
      out.value(report, (r) => {
        const lines = [
          r.preview ? `Preview of ${r.roster.sourceFileName} (nothing kept): ${counts(r.roster)}.` : `Imported roster ${r.roster.id} "${r.roster.name}": ${counts(r.roster)}.`,
          `Phone column: ${r.roster.phoneColumn}.`,
        ];
        if (r.issues.length > 0) {
          lines.push('Rows not imported (first ones):');
          lines.push(table(['ROW', 'PHONE', 'WHY'], r.issues.slice(0, 20).map((i) => [i.rowNumber, i.phoneRaw, i.reason])));
        }
        return lines.join('\n');
      });
      return;
    }
    case 'list': {
      parseCommand(rest, {});
      const list = unwrap(await api.roster.list({}));
      out.value(list, (rows) =>
        table(
          ['ID', 'NAME', 'NUMBERS', 'DUPLICATES', 'UNUSABLE', 'IMPORTED'],
          rows.map((r) => [r.id, r.name, r.validCount, r.duplicateCount, r.invalidCount, formatWib(r.createdAt)]),
        ),
      );
      return;
    }
    case 'show': {
      const { values, positionals } = parseCommand(rest, { page: { type: 'string' }, issues: { type: 'boolean' } });
      const id = parseId(positionals[0], 'The roster ID');
      const page = values.page === undefined ? 1 : parseId(values.page, 'The page');
      const roster = unwrap(await api.roster.get({ id }));
      if (values.issues) {
        const issues = unwrap(await api.roster.issues({ id, page, pageSize: 50 }));
        out.value({ roster, issues }, ({ issues: p }) =>
          [`${roster.name}: unusable rows, page ${p.page} of ${Math.max(1, Math.ceil(p.total / p.pageSize))}`, table(['ROW', 'PHONE', 'KIND', 'WHY'], p.items.map((i) => [i.rowNumber, i.phoneRaw, i.kind, i.reason]))].join('\n'),
        );
        return;
      }
      const entries = unwrap(await api.roster.entries({ id, page, pageSize: 50 }));
      out.value({ roster, entries }, ({ entries: p }) =>
        [
          `${roster.name} (${counts(roster)}), page ${p.page} of ${Math.max(1, Math.ceil(p.total / p.pageSize))}`,
          table(
            ['ROW', 'PHONE', ...roster.columns.filter((c) => c !== roster.phoneColumn)],
            p.items.map((e) => [e.rowNumber, e.phoneE164, ...roster.columns.filter((c) => c !== roster.phoneColumn).map((c) => e.variables[c] ?? '')]),
          ),
        ].join('\n'),
      );
      return;
    }
    case 'remove': {
      const { positionals } = parseCommand(rest, {});
      const id = parseId(positionals[0], 'The roster ID');
      unwrap(await api.roster.remove({ id }));
      out.value({ removed: id }, () => `Removed roster ${id}.`);
      return;
    }
    default:
      throw new UsageError(`roster needs import, list, show or remove (got ${sub ?? 'nothing'}).`);
  }
}
