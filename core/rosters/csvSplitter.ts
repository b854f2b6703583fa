import Papa from 'papaparse';
import type { CsvNewline } from './csvRows.js';
import { rosterErrors } from './rosterErrors.js';

export interface CsvSplitterOptions {
  fileName: string;
  delimiter: ',' | ';';
  /** The line break of the header line (csvRows.ts): papaparse's Parser takes one, as Excel writes one. */
  newline: CsvNewline;
  /** The Excel cell limit: the exact check is the preparer's; here it bounds an unfinished record. */
  maxCellLength: number;
}

/**
 * A CSV file's bytes, chunk by chunk, into records (docs/DOMAIN.md
 * "Spreadsheets"). One fatal TextDecoder checks and decodes the UTF-8 (it
 * drops a BOM and carries a character split across two chunks over to the
 * next); papaparse's core Parser (RFC 4180 quoting) splits what is pending,
 * fed the way papaparse's own streamer feeds it: each call leaves the last,
 * possibly unfinished, record for the next. Only text up to the last line
 * break read is parsed before the file ends: cut anywhere else, the parser
 * would see a closing quote without the line break after it, or the first
 * quote of a doubled one alone, and call the field malformed (papaparse's
 * own streamer has that flaw at its chunk boundaries).
 *
 * What papaparse leaves to its caller is done here:
 *   - an unfinished record longer than any row could be (an unclosed quote
 *     swallowing the file) is refused once it passes four times the cell
 *     limit, instead of being held in memory to the end;
 *   - papaparse reports a malformed quote and goes on; the first one refuses
 *     the file, naming its record.
 * Quote marks inside an unquoted field (12") are text, as Excel writes them.
 * Every refusal is an AppError naming the file and the record (the
 * spreadsheet's row: the header is 1).
 */
export class CsvSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly parser: InstanceType<typeof Papa.Parser>;
  private readonly maxRecordChars: number;
  /** The last character of a line break: where text may be cut for parsing. */
  private readonly lineEnd: string;
  /** Decoded text not yet split: the start of a record whose end has not been read. */
  private pending = '';
  /** Records handed out so far. */
  private records = 0;

  constructor(private readonly options: CsvSplitterOptions) {
    this.parser = new Papa.Parser({ delimiter: options.delimiter, newline: options.newline, quoteChar: '"', escapeChar: '"' });
    this.maxRecordChars = options.maxCellLength * 4 + 1024;
    this.lineEnd = options.newline === '\r' ? '\r' : '\n';
  }

  /** The whole records that end in what has been read so far, this chunk included. */
  push(chunk: Uint8Array): string[][] {
    return this.split(this.decode(chunk), false);
  }

  /** The records left when the file has ended. */
  end(): string[][] {
    return this.split(this.decode(), true);
  }

  private decode(chunk?: Uint8Array): string {
    try {
      return chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode();
    } catch {
      throw rosterErrors.csvEncoding(this.options.fileName, 'it holds bytes that are not UTF-8');
    }
  }

  private split(text: string, last: boolean): string[][] {
    const { fileName, maxCellLength } = this.options;
    const input = this.pending + text;
    const cut = last ? input.length : input.lastIndexOf(this.lineEnd) + 1;
    const results = this.parser.parse(input.slice(0, cut), 0, !last);
    const error = results.errors[0];
    if (error) throw rosterErrors.csvMalformed(fileName, this.records + (error.row ?? 0) + 1, error.message);
    const records = results.data as string[][];
    this.records += records.length;
    // What was not parsed into whole records waits: the unfinished one and the text after the cut.
    this.pending = last ? '' : input.slice(results.meta.cursor);
    if (this.pending.length > this.maxRecordChars) throw rosterErrors.cellTooLong(fileName, this.records + 1, '', maxCellLength);
    return records;
  }
}
