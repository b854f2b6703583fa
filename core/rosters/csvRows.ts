import { open } from 'node:fs/promises';
import startCsvWorker from './csvParse.worker?nodeWorker';
import type { CsvWorkerData } from './csvParse.worker.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { READ_BATCH_ROWS, READER_AHEAD, workerRowSource, type RowSource } from './sheetRows.js';

const SAMPLE_BYTES = 64 * 1024;

/**
 * A CSV roster, streamed with csv-parse (RFC 4180 quoting) on a worker
 * thread (csvParse.worker.ts: the parse is about half of a CSV import's
 * work, so it runs beside the SQLite writes, and never on the core's main
 * thread; rows are numbered, blank ones skipped and failures explained
 * there). Accepted as Excel writes it: UTF-8 with or without BOM ("CSV
 * UTF-8" adds one), comma or semicolon between fields (Excel uses the list
 * separator of the Windows region, a semicolon in Indonesia and most of
 * Europe: guessed from the header line), rows of uneven length, and quote
 * marks inside unquoted fields (12"). Any other encoding is refused: a GBK
 * or Windows-1252 file would otherwise import with garbled names.
 */
export function csvRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  return workerRowSource(
    fileName,
    totalBytes,
    'CSV parser',
    async (prepare) => {
      const delimiter = await sniffCsv(path, fileName);
      const workerData: CsvWorkerData = {
        path,
        fileName,
        options: {
          delimiter,
          bom: true,
          relax_column_count: true,
          relax_quotes: true,
          skip_empty_lines: false,
          // A memory guard for an unclosed quote swallowing the file; the exact per-cell
          // limit (in characters, not bytes) is checked as the rows are prepared.
          max_record_size: limits.maxCellLength * 4 + 1024,
        },
        batchRecords: READ_BATCH_ROWS,
        ahead: READER_AHEAD,
        maxCellLength: limits.maxCellLength,
        prepare,
      };
      return startCsvWorker({ workerData });
    },
    (bytes) => bytes,
  );
}

/**
 * Looks at the start of the file: refuses UTF-16 and non-UTF-8 text, and
 * picks the delimiter that occurs most often outside quotes in the header
 * line (comma when the header has a single column).
 */
async function sniffCsv(path: string, fileName: string): Promise<',' | ';'> {
  const handle = await open(path, 'r');
  let sample: Buffer;
  let whole: boolean;
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    sample = buffer.subarray(0, bytesRead);
    whole = bytesRead < SAMPLE_BYTES;
  } finally {
    await handle.close();
  }
  if (sample.length >= 2 && ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))) {
    throw rosterErrors.csvEncoding(fileName, 'it is UTF-16 text, as Excel saves "Unicode Text"');
  }
  let text: string;
  try {
    // Streaming unless the sample is the whole file: a character cut at its end is not an error.
    // The decoder drops a BOM.
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !whole });
  } catch {
    throw rosterErrors.csvEncoding(fileName, 'it looks like Windows-1252 or GBK text');
  }
  return headerDelimiter(text);
}

export function headerDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '\n' || c === '\r') {
      if (commas + semicolons > 0) break;
    } else if (c === ',') commas++;
    else if (c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}
