import { formatWib } from '../../shared/time/wib.js';
import { parseCommand, parseId, table, unwrap, UsageError, type CliHost, type Output } from '../io.js';

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export async function recordingCommand({ api }: CliHost, args: string[], out: Output): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parseCommand(rest, { name: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('recording add takes one MP3 file.');
      const stop = api.subscribe('recording.progress', (progress) => {
        out.progress(`${progress.stage} ${Math.round(progress.fraction * 100)}%`);
      });
      try {
        const recording = unwrap(await api.recording.add({ path: positionals[0]!, ...(values.name ? { name: values.name } : {}) }));
        out.progress('');
        out.value(recording, (r) => `Added recording ${r.id} "${r.name}" (${formatDuration(r.durationMs)}).`);
      } finally {
        stop();
      }
      return;
    }
    case 'list': {
      parseCommand(rest, {});
      const list = unwrap(await api.recording.list({}));
      out.value(list, (rows) =>
        table(
          ['ID', 'NAME', 'DURATION', 'SIZE', 'UPLOADED'],
          rows.map((r) => [r.id, r.name, formatDuration(r.durationMs), `${(r.sizeBytes / 1048576).toFixed(1)} MB`, formatWib(r.createdAt)]),
        ),
      );
      return;
    }
    case 'remove': {
      const { positionals } = parseCommand(rest, {});
      const id = parseId(positionals[0], 'The recording ID');
      unwrap(await api.recording.remove({ id }));
      out.value({ removed: id }, () => `Removed recording ${id}.`);
      return;
    }
    default:
      throw new UsageError(`recording needs add, list or remove (got ${sub ?? 'nothing'}).`);
  }
}
