import { createInflateRaw, crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../errors.js';
import type { RosterLimits } from './rosterLimits.js';
import { rosterErrors } from './rosterErrors.js';

/** More entries than any workbook has; a central directory of millions of entries is an attack on its own. */
const MAX_ENTRIES = 10_000;
/** APPNOTE.TXT §4.4.5: the only compression an .xlsx uses besides none (0, stored). */
const DEFLATE = 8;
const STORED = 0;
/**
 * Output chunk of the inflater. zlib's default (16 KiB) costs a callback per
 * 16 KiB; 256 KiB chunks made the parser build rows for longer between
 * hand-overs, and more of them outlived a young-generation collection: the
 * reader's heap peaked at ~67 MB against ~50 MB with 64 KiB (bench/roster.ts's
 * 100,000-row sheet).
 */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/**
 * An .xlsx opened as a zip (ECMA-376 Part 2, Open Packaging Conventions; the
 * zip layout is PKWARE's APPNOTE.TXT), its parts found by name through the
 * central directory: the order the parts are stored in does not matter (a
 * sheet stored before the shared strings or before workbook.xml is normal,
 * exceljs's own streaming writer does it).
 *
 * `open` reads only the central directory and refuses, before anything is
 * inflated: not a zip, no xl/workbook.xml (a renamed .docx or plain zip),
 * an encrypted entry, declared uncompressed sizes over the limit, or an entry
 * compressed suspiciously hard (a declared zip bomb).
 *
 * `inflate` then streams one part, counting the bytes that actually come out:
 * declared sizes are written by whoever made the file, so a part that inflates
 * to more than it declared is refused as soon as it does, one that inflates to
 * fewer, or whose CRC-32 differs, as damaged; and the total inflated over all
 * parts read stays under the limit. Only the parts the reader needs are
 * inflated, once each.
 */
export class XlsxPackage {
  private inflated = 0;

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    private readonly fileName: string,
    private readonly limits: RosterLimits,
  ) {}

  static async open(path: string, fileName: string, limits: RosterLimits): Promise<XlsxPackage> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true });
    } catch (err) {
      throw rosterErrors.notSpreadsheet(fileName, `it is not a readable zip archive: ${errorText(err)}`);
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      let declared = 0;
      try {
        for await (const entry of zip.eachEntry()) {
          if (entries.size >= MAX_ENTRIES) throw rosterErrors.unsafeArchive(fileName, declared);
          if (entry.isEncrypted()) throw rosterErrors.passwordProtected(fileName);
          declared += entry.uncompressedSize;
          if (declared > limits.maxUncompressedBytes) throw rosterErrors.unsafeArchive(fileName, declared);
          const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
          if (entry.uncompressedSize > limits.ratioCheckMinBytes && ratio > limits.maxCompressionRatio) {
            throw rosterErrors.unsafeArchive(fileName, entry.uncompressedSize);
          }
          // OPC part names compare case-insensitively (ECMA-376 Part 2 §6.2.2.3); the first of two equal names wins.
          const key = entry.fileName.toLowerCase();
          if (!entries.has(key)) entries.set(key, entry);
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw rosterErrors.notSpreadsheet(fileName, `its zip directory is damaged: ${errorText(err)}`);
      }
      if (!entries.has('xl/workbook.xml')) throw rosterErrors.notSpreadsheet(fileName, describeZip(entries));
    } catch (err) {
      zip.close();
      throw err;
    }
    return new XlsxPackage(zip, entries, fileName, limits);
  }

  has(partName: string): boolean {
    return this.entries.has(partName.toLowerCase());
  }

  /** The uncompressed size the zip directory declares for a part (0 when there is no such part). */
  declaredSize(partName: string): number {
    return this.entries.get(partName.toLowerCase())?.uncompressedSize ?? 0;
  }

  /** Every part name, as stored. */
  partNames(): string[] {
    return [...this.entries.values()].map((e) => e.fileName);
  }

  /**
   * The inflated bytes of a part, in chunks of up to 256 KiB, counted as they
   * come (see the class comment). Leaving the loop early stops the inflating.
   */
  async *inflate(partName: string): AsyncGenerator<Buffer, void, undefined> {
    const entry = this.entries.get(partName.toLowerCase());
    if (!entry) throw rosterErrors.unreadable(this.fileName, `the part ${partName} is missing`);
    const { fileName, limits } = this;
    let stream: Readable;
    try {
      if (entry.compressionMethod !== DEFLATE && entry.compressionMethod !== STORED) {
        throw new Error(`it uses compression method ${entry.compressionMethod}`);
      }
      // Read raw and inflated here, in large chunks, with our own count (yauzl's own check would run after the fact).
      const raw = await this.zip.openReadStreamPromise(entry, { decompress: false });
      if (entry.compressionMethod === DEFLATE) {
        const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
        raw.on('error', (err) => inflater.destroy(err));
        stream = raw.pipe(inflater);
      } else {
        stream = raw;
      }
    } catch (err) {
      throw this.damaged(entry, err);
    }
    let partBytes = 0;
    let crc = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        partBytes += chunk.length;
        this.inflated += chunk.length;
        if (partBytes > entry.uncompressedSize) throw rosterErrors.archiveSizeLie(fileName, entry.fileName);
        if (this.inflated > limits.maxUncompressedBytes) throw rosterErrors.unsafeArchive(fileName, this.inflated);
        crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw this.damaged(entry, err);
    } finally {
      stream.destroy();
    }
    if (partBytes < entry.uncompressedSize) {
      throw this.damaged(entry, new Error(`it holds ${partBytes} bytes, its zip directory declares ${entry.uncompressedSize}`));
    }
    if (crc !== entry.crc32) throw this.damaged(entry, new Error('its CRC-32 does not match'));
  }

  close(): void {
    this.zip.close();
  }

  /** Bad deflate data, a part shorter than declared, a wrong CRC, an unsupported compression method. */
  private damaged(entry: yauzl.Entry, err: unknown): AppError {
    return rosterErrors.unreadable(this.fileName, `the part ${entry.fileName} is damaged: ${errorText(err)}`);
  }
}

function describeZip(entries: Map<string, unknown>): string {
  if (entries.has('word/document.xml')) return 'it is a Word document';
  if (entries.has('ppt/presentation.xml')) return 'it is a PowerPoint presentation';
  if (entries.has('content.xml') && entries.has('mimetype')) return 'it is an OpenDocument file; save it as .xlsx';
  return 'it is a zip archive without an Excel workbook inside';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
