import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';
import { AppError } from '../errors.js';
import type { RosterLimits } from './rosterLimits.js';
import { rosterErrors } from './rosterErrors.js';

/** More entries than any workbook has; a central directory of millions of entries is an attack on its own. */
const MAX_ENTRIES = 10_000;
/** APPNOTE.TXT §4.4.5: the only compression an .xlsx uses besides none. */
const DEFLATE = 8;
/**
 * Output chunk of the inflate count. zlib's default (16 KiB) meant a callback
 * on the main thread per 16 KiB of sheet XML: ~150 ms of it for the
 * 100,000-row sheet of bench/roster.ts.
 */
const COUNT_CHUNK_BYTES = 256 * 1024;

/** The parts exceljs's streaming reader inflates and parses (workbook-reader.js). */
const PARSED_PART = /^xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|styles\.xml|worksheets\/sheet\d+\.xml|worksheets\/_rels\/sheet\d+\.xml\.rels)$/;

/**
 * Checks an .xlsx before exceljs streams it (ECMA-376 Part 2, Open Packaging
 * Conventions; the zip layout is PKWARE's APPNOTE.TXT):
 *
 * 1. Central directory only: it is a zip, holds xl/workbook.xml (so not a
 *    renamed .docx or a plain zip), has no encrypted entry, and its declared
 *    uncompressed sizes stay under the limit with no entry compressed
 *    suspiciously hard.
 * 2. Then the parts exceljs will parse are inflated once, counting the bytes
 *    that actually come out: declared sizes are written by whoever made the
 *    file, and a part that inflates to more than it declared is refused as
 *    soon as it does (to fewer: as damaged). Inflating costs a few percent of
 *    exceljs's own parse of the same parts, and nothing is kept in memory.
 */
export async function inspectXlsx(path: string, fileName: string, limits: RosterLimits): Promise<void> {
  const inflation = await checkXlsxDirectory(path, fileName, limits);
  await inflation.done;
}

/**
 * Step 1 of inspectXlsx, awaited; step 2 (the inflate count) is started and
 * returned as `done`, so that a caller can run it beside exceljs's own parse
 * (zlib inflates on the thread pool while exceljs parses on this thread) and
 * stop the parse when it fails. It runs ahead of the parse, so a bomb is
 * found long before exceljs has inflated as much.
 */
export async function checkXlsxDirectory(path: string, fileName: string, limits: RosterLimits): Promise<InflateCount> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true });
  } catch (err) {
    throw rosterErrors.notSpreadsheet(fileName, `it is not a readable zip archive: ${errorText(err)}`);
  }
  const names = new Set<string>();
  const parsed: yauzl.Entry[] = [];
  try {
    let declared = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        if (names.size >= MAX_ENTRIES) throw rosterErrors.unsafeArchive(fileName, declared);
        names.add(entry.fileName);
        if (entry.isEncrypted()) throw rosterErrors.passwordProtected(fileName);
        declared += entry.uncompressedSize;
        if (declared > limits.maxUncompressedBytes) throw rosterErrors.unsafeArchive(fileName, declared);
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
        if (entry.uncompressedSize > limits.ratioCheckMinBytes && ratio > limits.maxCompressionRatio) {
          throw rosterErrors.unsafeArchive(fileName, entry.uncompressedSize);
        }
        if (PARSED_PART.test(entry.fileName)) parsed.push(entry);
      }
    } catch (err) {
      if (isAppError(err)) throw err;
      throw rosterErrors.notSpreadsheet(fileName, `its zip directory is damaged: ${errorText(err)}`);
    }
    if (!names.has('xl/workbook.xml')) throw rosterErrors.notSpreadsheet(fileName, describeZip(names));
  } catch (err) {
    zip.close();
    throw err;
  }
  const stop = { stopped: false };
  const done = countInflated(zip, parsed, fileName, limits, stop);
  done.catch(() => {}); // the caller awaits it; this only keeps an early failure from being "unhandled"
  return { done, stop: () => void (stop.stopped = true) };
}

export interface InflateCount {
  /** Resolves when every parsed part inflated within the limits; rejects with the reason otherwise. */
  done: Promise<void>;
  /** Stops counting (the import ended early): `done` then resolves. */
  stop(): void;
}

const STOPPED = new Error('stopped');

async function countInflated(
  zip: yauzl.ZipFile,
  parsed: readonly yauzl.Entry[],
  fileName: string,
  limits: RosterLimits,
  stop: { stopped: boolean },
): Promise<void> {
  try {
    let inflated = 0;
    for (const entry of parsed) {
      try {
        const deflated = entry.compressionMethod === DEFLATE;
        // Deflated parts are read raw and inflated here, in large chunks; yauzl refuses other methods.
        const data = await zip.openReadStreamPromise(entry, deflated ? { decompress: false } : {});
        let partBytes = 0;
        const counter = new Writable({
          write(chunk: Buffer, _encoding, done) {
            if (stop.stopped) return done(STOPPED);
            partBytes += chunk.length;
            inflated += chunk.length;
            if (partBytes > entry.uncompressedSize) return done(rosterErrors.archiveSizeLie(fileName, entry.fileName));
            done(inflated > limits.maxUncompressedBytes ? rosterErrors.unsafeArchive(fileName, inflated) : null);
          },
          final(done) {
            done(partBytes < entry.uncompressedSize ? new Error(`it holds ${partBytes} bytes, its zip directory declares ${entry.uncompressedSize}`) : null);
          },
        });
        await (deflated ? pipeline(data, createInflateRaw({ chunkSize: COUNT_CHUNK_BYTES }), counter) : pipeline(data, counter));
      } catch (err) {
        if (err === STOPPED) return;
        if (isAppError(err)) throw err;
        // Bad deflate data, a part shorter than declared, an unsupported compression method; the CRC is not checked.
        throw rosterErrors.unreadable(fileName, `the part ${entry.fileName} is damaged: ${errorText(err)}`);
      }
    }
  } finally {
    zip.close();
  }
}

function describeZip(names: Set<string>): string {
  if (names.has('word/document.xml')) return 'it is a Word document';
  if (names.has('ppt/presentation.xml')) return 'it is a PowerPoint presentation';
  if (names.has('content.xml') && names.has('mimetype')) return 'it is an OpenDocument file; save it as .xlsx';
  return 'it is a zip archive without an Excel workbook inside';
}

function isAppError(err: unknown): boolean {
  return err instanceof AppError;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
