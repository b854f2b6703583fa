import { open } from 'node:fs/promises';
import startCsvWorker from './csvParse.worker?nodeWorker';
import type { CsvWorkerData } from './csvParse.worker.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { READER_AHEAD, workerRowSource, type RowSource } from './sheetRows.js';

const SAMPLE_BYTES = 64 * 1024;

/**
 * Bytes the worker reads at a time; the records of one chunk are handed on
 * together, so this bounds what waits beyond READER_AHEAD messages (~1,300
 * rows of a typical roster).
 */
export const CSV_CHUNK_BYTES = 64 * 1024;

/**
 * A CSV roster, streamed on a worker thread (csvParse.worker.ts: papaparse's
 * Parser, RFC 4180 quoting; the parse is a large share of a CSV import's
 * work, so it runs beside the SQLite writes, and never on the core's main
 * thread; rows are numbered, blank ones skipped and failures explained
 * there). Accepted as Excel writes it: UTF-8 with or without BOM ("CSV
 * UTF-8" adds one), comma or semicolon between fields (Excel uses the list
 * separator of the Windows region, a semicolon in Indonesia and most of
 * Europe: guessed from the header line), CRLF, LF or CR line breaks (those of
 * the header line), rows of uneven length, and quote marks inside unquoted
 * fields (12"). Any other encoding is refused: a GBK or Windows-1252 file
 * would otherwise import with garbled names (docs/DOMAIN.md "Spreadsheets").
 */
export function csvRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  return workerRowSource(
    fileName,
    totalBytes,
    'CSV parser',
    async (prepare) => {
      const { delimiter, newline } = await sniffCsv(path, fileName);
      const workerData: CsvWorkerData = {
        path,
        fileName,
        delimiter,
        newline,
        chunkBytes: CSV_CHUNK_BYTES,
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
 * line (comma when the header has a single column) and the line break that
 * ends it.
 */
async function sniffCsv(path: string, fileName: string): Promise<{ delimiter: ',' | ';'; newline: CsvNewline }> {
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
  return { delimiter: headerDelimiter(text), newline: headerNewline(text) };
}

export type CsvNewline = '\r\n' | '\n' | '\r';

/** The line break ending the header line, outside quotes (CRLF, as Excel writes, when there is none). */
export function headerNewline(text: string): CsvNewline {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '\n') return '\n';
    else if (c === '\r') return text[i + 1] === '\n' || i + 1 === text.length ? '\r\n' : '\r';
  }
  return '\r\n';
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
