import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { CsvParseFailure, parseCsvInWorker } from './csvParseWorker.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { READ_BATCH_ROWS, isBlankRow, type RowSource, type SheetRow } from './sheetRows.js';

const SAMPLE_BYTES = 64 * 1024;

/**
 * A CSV roster, streamed with csv-parse (RFC 4180 quoting) on a worker
 * thread (csvParseWorker.ts); rows are numbered, blank ones skipped and
 * failures explained here. Accepted as Excel writes it: UTF-8 with or
 * without BOM ("CSV UTF-8" adds one), comma or semicolon between fields
 * (Excel uses the list separator of the Windows region, a semicolon in
 * Indonesia and most of Europe: guessed from the header line), rows of
 * uneven length, and quote marks inside unquoted fields (12"). Any other
 * encoding is refused: a GBK or Windows-1252 file would otherwise import
 * with garbled names.
 */
export function csvRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  let bytesRead = 0;
  return {
    totalBytes,
    bytesRead: () => bytesRead,
    async *batches() {
      const delimiter = await sniffCsv(path, fileName);
      const chunks = parseCsvInWorker(
        path,
        {
          delimiter,
          bom: true,
          relax_column_count: true,
          relax_quotes: true,
          skip_empty_lines: false,
          // A memory guard for an unclosed quote swallowing the file; the exact per-cell
          // limit (in characters, not bytes) is checked by the importer.
          max_record_size: limits.maxCellLength * 4 + 1024,
        },
        READ_BATCH_ROWS,
      );
      let rowNumber = 0;
      try {
        for await (const chunk of chunks) {
          // Every record of the chunk came from bytes already checked: none of a file that is not UTF-8 is handed over.
          if (chunk.notUtf8) throw rosterErrors.csvEncoding(fileName, 'it holds bytes that are not UTF-8');
          bytesRead = chunk.bytesRead;
          const batch: SheetRow[] = [];
          for (const record of chunk.records) {
            rowNumber++;
            if (record.length === 1 && record[0] === '') continue;
            if (isBlankRow(record)) continue;
            batch.push({ rowNumber, cells: record });
          }
          if (batch.length > 0) yield batch;
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof CsvParseFailure && err.csvCode !== undefined) {
          if (err.csvCode === 'CSV_MAX_RECORD_SIZE') throw rosterErrors.cellTooLong(fileName, err.recordsBefore + 1, '', limits.maxCellLength);
          throw rosterErrors.csvMalformed(fileName, err.lines ?? err.recordsBefore + 1, err.message);
        }
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      } finally {
        await chunks.return(undefined);
      }
    },
  };
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
