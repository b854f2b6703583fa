import { dateText } from './cellText.js';
import { rosterErrors } from './rosterErrors.js';
import type { RosterLimits } from './rosterLimits.js';
import { isBlankRow, type SheetRow } from './sheetRows.js';
import { XlsxPackage } from './xlsxPackage.js';
import {
  decodeEscapes,
  localName,
  notXml,
  readDateStyles,
  readSharedStrings,
  readWorkbook,
  readWorkbookRelationships,
  relationshipKind,
  type Relationship,
  type WorkbookInfo,
  xmlParser,
} from './xlsxParts.js';

/**
 * Rows handed over at a time: a batch is garbage once posted, and the fewer
 * rows wait in one, the fewer outlive a young-generation collection into the
 * old generation, which only grows until a full collection (see
 * INFLATE_CHUNK_BYTES in xlsxPackage.ts for the measure).
 */
const SHEET_BATCH_ROWS = 500;

/** Rows of the sheet read so far, and how far into the sheet's XML the read is (0 to 1), for progress. */
export interface XlsxBatch {
  rows: SheetRow[];
  sheetFraction: number;
}

/**
 * The first worksheet of an .xlsx as rows of text, streamed: the package is
 * opened through its zip directory (XlsxPackage: the refusals and zip-bomb
 * counts), then workbook.xml, its relationships, the styles and the shared
 * strings are read whole, wherever they are stored in the zip, and the sheet
 * is parsed as it is inflated, SHEET_BATCH_ROWS rows a batch.
 *
 * "First" is the first visible worksheet in workbook.xml's tab order, which
 * is not always sheet1.xml nor the first sheet stored in the zip (hidden
 * sheets and chart sheets are passed over; a workbook whose sheets are all
 * hidden gives its first one).
 *
 * Cells are the text a user reads in Excel (docs/ARCHITECTURE.md "Roster
 * import"): numbers in plain digits, date-formatted numbers as
 * `YYYY-MM-DD[ HH:mm:ss]`, booleans TRUE/FALSE, errors as `#N/A` and the
 * like, formulas as their cached result (nothing is calculated).
 */
export async function* readXlsxRows(path: string, fileName: string, limits: RosterLimits): AsyncGenerator<XlsxBatch, void, undefined> {
  const pkg = await XlsxPackage.open(path, fileName, limits);
  try {
    const workbook = await readWorkbook(pkg, fileName);
    const relationships = await readWorkbookRelationships(pkg, fileName);
    const sheetPart = firstSheetPart(pkg, workbook, relationships);
    if (sheetPart === undefined) return;
    const dateStyles = await readDateStyles(pkg, partOfKind(relationships, 'styles', 'xl/styles.xml'), fileName);
    const sharedStrings = await readSharedStrings(pkg, partOfKind(relationships, 'sharedStrings', 'xl/sharedStrings.xml'), fileName);
    yield* readSheet(pkg, sheetPart, { fileName, limits, dateStyles, sharedStrings, date1904: workbook.date1904 });
  } finally {
    pkg.close();
  }
}

function firstSheetPart(pkg: XlsxPackage, workbook: WorkbookInfo, relationships: Map<string, Relationship>): string | undefined {
  const worksheets: { part: string; visible: boolean }[] = [];
  for (const sheet of workbook.sheets) {
    const relationship = relationships.get(sheet.relationshipId);
    if (!relationship?.partName || relationshipKind(relationship.type) !== 'worksheet' || !pkg.has(relationship.partName)) continue;
    worksheets.push({ part: relationship.partName, visible: sheet.state !== 'hidden' && sheet.state !== 'veryHidden' });
  }
  const chosen = worksheets.find((w) => w.visible) ?? worksheets[0];
  if (chosen) return chosen.part;
  // workbook.xml leads to no sheet: read the lowest-numbered sheet part (exceljs read any sheet part it found, so such files imported before).
  const numbered = pkg
    .partNames()
    .map((name) => ({ name, n: /^xl\/worksheets\/sheet(\d+)\.xml$/i.exec(name)?.[1] }))
    .filter((p): p is { name: string; n: string } => p.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  return numbered[0]?.name;
}

function partOfKind(relationships: Map<string, Relationship>, kind: string, usual: string): string {
  for (const r of relationships.values()) if (r.partName && relationshipKind(r.type) === kind) return r.partName;
  return usual;
}

interface SheetContext {
  fileName: string;
  limits: RosterLimits;
  dateStyles: readonly boolean[];
  sharedStrings: readonly string[];
  date1904: boolean;
}

/** What the text of an element inside a cell goes to. */
const enum Capture {
  None,
  Value,
  Inline,
}

/**
 * Streams the sheet's `<sheetData>` (§18.3.1.80): `<row r>` holds `<c r s t>`
 * cells, each with a `<v>` value, a formula `<f>` beside its cached `<v>`, or
 * an inline string `<is>`. Row and cell references may be left out (then
 * they follow the previous one, §18.3.1.73/§18.3.1.4); cells come left to
 * right but may skip columns, which become empty cells.
 */
async function* readSheet(pkg: XlsxPackage, partName: string, context: SheetContext): AsyncGenerator<XlsxBatch, void, undefined> {
  const { fileName, limits, dateStyles, sharedStrings, date1904 } = context;
  const maxColumns = limits.maxColumns;
  let batch: SheetRow[] = [];
  let rowNumber = 0;
  let cells: string[] = [];
  let inRow = false;
  let column = 0;
  let type = '';
  let style = 0;
  let value = '';
  let inline = '';
  let hasValue = false;
  let capture = Capture.None;
  let inInline = false;
  let phonetic = 0;

  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    switch (name) {
      case 'row': {
        const r = tag.attributes['r'];
        rowNumber = r !== undefined ? parseInt(r, 10) : rowNumber + 1;
        if (!(rowNumber > 0)) throw new Error(`a row has the number "${r}"`);
        cells = [];
        column = 0;
        inRow = true;
        break;
      }
      case 'c': {
        const attributes = tag.attributes;
        const ref = attributes['r'];
        column = ref !== undefined ? columnIndex(ref, column) : column;
        type = attributes['t'] ?? 'n';
        const s = attributes['s'];
        style = s !== undefined ? parseInt(s, 10) : 0;
        value = '';
        inline = '';
        hasValue = false;
        break;
      }
      case 'v':
        capture = Capture.Value;
        hasValue = true;
        break;
      case 'is':
        inInline = true;
        hasValue = true;
        break;
      case 't':
        if (inInline && phonetic === 0) capture = Capture.Inline;
        break;
      case 'rPh':
        phonetic++;
        break;
    }
  });
  parser.on('text', (text) => {
    if (capture === Capture.Value) value += text;
    else if (capture === Capture.Inline) inline += text;
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    switch (name) {
      case 'v':
      case 't':
        capture = Capture.None;
        break;
      case 'is':
        inInline = false;
        break;
      case 'rPh':
        phonetic--;
        break;
      case 'c': {
        if (inRow && hasValue) {
          // A far-right cell would make a row this long: refused before the row is built.
          if (column >= maxColumns) throw rosterErrors.tooManyColumns(fileName, column + 1, maxColumns);
          const text = type === 'inlineStr' ? decodeEscapes(inline) : cellValueText(type, value, dateStyles[style] === true, date1904, sharedStrings);
          while (cells.length < column) cells.push('');
          cells[column] = text;
        }
        column++;
        break;
      }
      case 'row':
        inRow = false;
        if (!isBlankRow(cells)) batch.push({ rowNumber, cells });
        break;
    }
  });

  const decoder = new TextDecoder('utf-8');
  let read = 0;
  const total = Math.max(1, pkg.declaredSize(partName));
  try {
    for await (const chunk of pkg.inflate(partName)) {
      read += chunk.length;
      parser.write(decoder.decode(chunk, { stream: true }));
      if (batch.length >= SHEET_BATCH_ROWS) {
        yield { rows: batch, sheetFraction: read / total };
        batch = [];
      }
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    throw notXml(err, partName, fileName);
  }
  if (batch.length > 0) yield { rows: batch, sheetFraction: 1 };
}

/**
 * The 0-based column of a cell reference such as "AB12" (letters A-XFD, then
 * the row); `fallback` when it has no letters.
 */
export function columnIndex(ref: string, fallback: number): number {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) column = column * 26 + (c - 0x40);
    else if (c >= 0x61 && c <= 0x7a) column = column * 26 + (c - 0x60);
    else break;
  }
  return i === 0 ? fallback : column - 1;
}

/** One day in milliseconds. */
const DAY_MS = 86_400_000;
/** Days from Excel's 1900 epoch (serial 0 = 1899-12-30, counting its fictitious 1900-02-29) to 1970-01-01. */
const EXCEL_1900_TO_UNIX_DAYS = 25_569;
/** Days between the 1900 and 1904 date systems (§18.17.4.1). */
const DATE_1904_OFFSET_DAYS = 1_462;

/**
 * The text of a cell from its type (§18.18.11 ST_CellType) and `<v>`:
 * s shared string (an index), str a formula's text result, b boolean,
 * e error, d an ISO 8601 date (strict files), n (or none) a number, shown as
 * a date when its format is one. A formula's cell carries the same types,
 * its cached result in `<v>`.
 */
export function cellValueText(type: string, value: string, dateStyle: boolean, date1904: boolean, sharedStrings: readonly string[]): string {
  switch (type) {
    case 's': {
      const index = Number(value);
      return (Number.isInteger(index) ? sharedStrings[index] : undefined) ?? '';
    }
    case 'str':
      return decodeEscapes(value);
    case 'b':
      return value.trim() === '1' || value.trim() === 'true' ? 'TRUE' : 'FALSE';
    case 'e':
      return value;
    case 'd':
      return isoDateCellText(value);
    default: {
      if (value === '') return '';
      const number = parseFloat(value);
      if (!Number.isFinite(number)) return '';
      return dateStyle ? serialDateText(number, date1904) : String(number);
    }
  }
}

/** A serial date (days since the epoch, the time as the fraction) as `YYYY-MM-DD[ HH:mm:ss]`, to the nearest millisecond as exceljs read it. */
export function serialDateText(serial: number, date1904: boolean): string {
  const days = serial - EXCEL_1900_TO_UNIX_DAYS + (date1904 ? DATE_1904_OFFSET_DAYS : 0);
  return dateText(new Date(Math.round(days * DAY_MS)));
}

/** `t="d"`: an ISO 8601 date or date-time without a zone (Excel dates have none), read as the wall-clock fields it states. */
function isoDateCellText(value: string): string {
  const text = value.trim();
  // Date.parse reads a date-time without a zone as local time, a date alone as UTC: make both UTC.
  const utc = text.includes('T') && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text;
  const time = Date.parse(utc);
  return Number.isNaN(time) ? text : dateText(new Date(time));
}
