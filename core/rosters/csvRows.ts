import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse';
import { AppError } from '../errors.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { READ_BATCH_ROWS, isBlankRow, type RowSource, type SheetRow } from './sheetRows.js';

const SAMPLE_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A CSV roster, streamed with csv-parse (RFC 4180 quoting). Accepted as
 * Excel writes it: UTF-8 with or without BOM ("CSV UTF-8" adds one), comma or
 * semicolon between fields (Excel uses the list separator of the Windows
 * region, a semicolon in Indonesia and most of Europe: guessed from the header
 * line), rows of uneven length, and quote marks inside unquoted fields (12").
 * Any other encoding is refused: a GBK or Windows-1252 file would
 * otherwise import with garbled names.
 */
export function csvRowSource(path: string, fileName: string, totalBytes: number, limits: RosterLimits): RowSource {
  let file: ReturnType<typeof createReadStream> | undefined;
  return {
    totalBytes,
    bytesRead: () => file?.bytesRead ?? 0,
    async *batches() {
      const delimiter = await sniffCsv(path, fileName);
      file = createReadStream(path, { highWaterMark: 256 * 1024 });
      const utf8 = new Utf8Check();
      let notUtf8 = false;
      file.on('data', (chunk) => {
        if (!notUtf8 && !utf8.push(chunk as Buffer)) notUtf8 = true;
      });
      const parser = parse({
        delimiter,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        // A memory guard for an unclosed quote swallowing the file; the exact per-cell
        // limit (in characters, not bytes) is checked by the importer.
        max_record_size: limits.maxCellLength * 4 + 1024,
      });
      file.pipe(parser);
      file.on('error', (err) => parser.destroy(err));
      let rowNumber = 0;
      let batch: SheetRow[] = [];
      try {
        for await (const record of parser as AsyncIterable<string[]>) {
          rowNumber++;
          if (record.length === 1 && record[0] === '') continue;
          if (isBlankRow(record)) continue;
          batch.push({ rowNumber, cells: record });
          if (batch.length >= READ_BATCH_ROWS) {
            if (notUtf8) throw rosterErrors.csvEncoding(fileName, 'it holds bytes that are not UTF-8');
            yield batch;
            batch = [];
          }
        }
        if (notUtf8 || !utf8.end()) throw rosterErrors.csvEncoding(fileName, 'it holds bytes that are not UTF-8');
        if (batch.length > 0) yield batch;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof CsvError) {
          const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as unknown as { lines: number }).lines : rowNumber + 1;
          if (err.code === 'CSV_MAX_RECORD_SIZE') throw rosterErrors.cellTooLong(fileName, rowNumber + 1, '', limits.maxCellLength);
          throw rosterErrors.csvMalformed(fileName, line, err.message);
        }
        throw rosterErrors.unreadable(fileName, err instanceof Error ? err.message : String(err));
      } finally {
        file.destroy();
        parser.destroy();
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
  if (sample.subarray(0, 3).equals(UTF8_BOM)) sample = sample.subarray(3);
  const complete = whole ? sample : sample.subarray(0, lastCharBoundary(sample));
  if (!isUtf8(complete)) throw rosterErrors.csvEncoding(fileName, 'it looks like Windows-1252 or GBK text');
  return headerDelimiter(complete.toString('utf8'));
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

/** Length of the prefix of `data` that ends on a whole UTF-8 character. */
function lastCharBoundary(data: Buffer): number {
  let i = data.length;
  // Step back over at most 3 continuation bytes to the lead byte of the last character.
  for (let back = 1; back <= 4 && i - back >= 0; back++) {
    const byte = data[i - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? i - back : i;
  }
  return i;
}

/** UTF-8 validity across chunk boundaries, with Node's native isUtf8 (no decoding). */
class Utf8Check {
  private carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): boolean {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = lastCharBoundary(data);
    this.carry = Buffer.from(data.subarray(cut));
    return isUtf8(data.subarray(0, cut));
  }

  end(): boolean {
    return this.carry.length === 0;
  }
}
