import { posix } from 'node:path';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { AppError } from '../errors.js';
import { rosterErrors } from './rosterErrors.js';
import type { XlsxPackage } from './xlsxPackage.js';

/**
 * The small parts of an .xlsx an import needs before the sheet (ECMA-376
 * Part 1, SpreadsheetML; docs/ARCHITECTURE.md "Roster import"), each read
 * with saxes, a streaming XML parser that expands only the five predefined
 * entities and character references (no DTD, so no entity expansion attack):
 *
 * - xl/workbook.xml: the sheets in tab order, their names and visibility,
 *   and the date system (`workbookPr date1904`);
 * - xl/_rels/workbook.xml.rels: which part each sheet is, and where the
 *   shared strings and styles are;
 * - the styles: which cell formats are dates;
 * - the shared strings: the text of every `t="s"` cell, rich text joined.
 *
 * Element names are compared without their prefix: some writers (the .NET
 * Open XML SDK among them) store `<x:row>` with the namespace under a prefix.
 */

export interface WorkbookSheet {
  name: string;
  /** visible, hidden or veryHidden (§18.18.68 ST_SheetState). */
  state: string;
  /** The relationship id that leads to the sheet's part. */
  relationshipId: string;
}

export interface WorkbookInfo {
  sheets: WorkbookSheet[];
  /** Dates count days from 1904-01-01 instead of 1900-01-01 (§18.2.28, Excel for Mac before 2011). */
  date1904: boolean;
}

export interface Relationship {
  type: string;
  /** The part's name in the package (resolved against the source part's folder), or null for an external target. */
  partName: string | null;
}

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';

export type XmlParser = SaxesParser<PlainOptions>;
type PlainOptions = { xmlns: false; position: false };

/** A parser without namespace processing (names are compared without their prefix) nor position tracking (an error names the part, and the work is saved). */
export function xmlParser(): XmlParser {
  return new SaxesParser<PlainOptions>({ xmlns: false, position: false });
}

/** A tag's name without its namespace prefix. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** An attribute by its local name, whatever its prefix. */
function attribute(tag: SaxesTagPlain, local: string): string | undefined {
  const attributes = tag.attributes;
  const plain = attributes[local];
  if (plain !== undefined) return plain;
  for (const key in attributes) if (localName(key) === local) return attributes[key];
  return undefined;
}

/**
 * Streams a part through a saxes parser. An XML error becomes "the part ...
 * is not valid XML"; the package's own refusals (a zip bomb, a damaged part)
 * pass through as they are.
 */
export async function parsePart(pkg: XlsxPackage, partName: string, fileName: string, parser: XmlParser): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of pkg.inflate(partName)) parser.write(decoder.decode(chunk, { stream: true }));
    parser.write(decoder.decode());
    parser.close();
  } catch (err) {
    throw notXml(err, partName, fileName);
  }
}

export function notXml(err: unknown, partName: string, fileName: string): unknown {
  if (err instanceof AppError) return err;
  return rosterErrors.unreadable(fileName, `the part ${partName} is not valid XML: ${err instanceof Error ? err.message : String(err)}`);
}

export async function readWorkbook(pkg: XlsxPackage, fileName: string): Promise<WorkbookInfo> {
  const info: WorkbookInfo = { sheets: [], date1904: false };
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (name === 'sheet') {
      info.sheets.push({ name: attribute(tag, 'name') ?? '', state: attribute(tag, 'state') ?? 'visible', relationshipId: attribute(tag, 'id') ?? '' });
    } else if (name === 'workbookPr') {
      const value = attribute(tag, 'date1904');
      info.date1904 = value === '1' || value === 'true';
    }
  });
  await parsePart(pkg, WORKBOOK, fileName, parser);
  return info;
}

/** The workbook's relationships by id; empty when the package has none. */
export async function readWorkbookRelationships(pkg: XlsxPackage, fileName: string): Promise<Map<string, Relationship>> {
  const relationships = new Map<string, Relationship>();
  if (!pkg.has(WORKBOOK_RELS)) return relationships;
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    if (localName(tag.name) !== 'Relationship') return;
    const id = attribute(tag, 'Id');
    const target = attribute(tag, 'Target');
    if (id === undefined || target === undefined) return;
    const external = attribute(tag, 'TargetMode') === 'External';
    relationships.set(id, { type: attribute(tag, 'Type') ?? '', partName: external ? null : resolveTarget(WORKBOOK, target) });
  });
  await parsePart(pkg, WORKBOOK_RELS, fileName, parser);
  return relationships;
}

/**
 * A relationship's target as a part name: relative to the folder of the part
 * that holds the relationship, or from the package root when it starts with
 * "/" (ECMA-376 Part 2 §9.3). Part names are stored without the leading "/".
 */
export function resolveTarget(sourcePart: string, target: string): string {
  const path = target.startsWith('/') ? target : posix.join(posix.dirname(sourcePart), target);
  return posix.normalize(path).replace(/^\/+/, '');
}

/** Relationship types end with their kind in both the transitional and the strict namespace (§12.3). */
export function relationshipKind(type: string): string {
  return type.slice(type.lastIndexOf('/') + 1);
}

/**
 * The built-in number formats that show a date or time (§18.8.30): 14-22 and
 * 45-47 everywhere, 27-36 and 50-58 the East Asian date formats.
 */
function isBuiltInDateFormat(id: number): boolean {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/**
 * A custom format shows a date when it has a date or time code outside its
 * quoted text and [bracketed] parts (colours, locales, conditions): the rule
 * exceljs applied, kept so that imports read as before.
 */
export function isDateFormatCode(code: string): boolean {
  const bare = code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]/.test(bare);
}

/** For each cell format (the `s` of a cell, an index into cellXfs), whether it shows a date. */
export async function readDateStyles(pkg: XlsxPackage, partName: string | undefined, fileName: string): Promise<boolean[]> {
  if (partName === undefined || !pkg.has(partName)) return [];
  const customDate = new Map<number, boolean>();
  const formatIds: number[] = [];
  let inCellXfs = false;
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    switch (localName(tag.name)) {
      case 'numFmt': {
        const id = Number(attribute(tag, 'numFmtId'));
        if (Number.isInteger(id)) customDate.set(id, isDateFormatCode(attribute(tag, 'formatCode') ?? ''));
        break;
      }
      case 'cellXfs':
        inCellXfs = true;
        break;
      case 'xf':
        if (inCellXfs) formatIds.push(Number(attribute(tag, 'numFmtId') ?? 0));
        break;
    }
  });
  parser.on('closetag', (tag) => {
    if (localName(tag.name) === 'cellXfs') inCellXfs = false;
  });
  await parsePart(pkg, partName, fileName, parser);
  return formatIds.map((id) => customDate.get(id) ?? isBuiltInDateFormat(id));
}

/**
 * The shared string table (§18.4): one entry per `<si>`, the text of its
 * `<t>` elements joined (a rich-text string is several runs `<r><t>`), the
 * phonetic guide runs (`<rPh>`, furigana) left out as Excel shows them.
 */
export async function readSharedStrings(pkg: XlsxPackage, partName: string | undefined, fileName: string): Promise<string[]> {
  const strings: string[] = [];
  if (partName === undefined || !pkg.has(partName)) return strings;
  let text = '';
  let inText = false;
  let phonetic = 0;
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    switch (localName(tag.name)) {
      case 'si':
        text = '';
        break;
      case 't':
        inText = phonetic === 0;
        break;
      case 'rPh':
        phonetic++;
        break;
    }
  });
  parser.on('text', (value) => {
    if (inText) text += value;
  });
  parser.on('closetag', (tag) => {
    switch (localName(tag.name)) {
      case 'si':
        strings.push(decodeEscapes(text));
        break;
      case 't':
        inText = false;
        break;
      case 'rPh':
        phonetic--;
        break;
    }
  });
  await parsePart(pkg, partName, fileName, parser);
  return strings;
}

/**
 * Characters XML cannot hold are written `_xHHHH_` (ST_Xstring, §22.9.2.19):
 * `_x000D_` for a carriage return, and `_x005F_` escapes a literal underscore
 * before an `x`, so "_x005F_x0041_" is the text "_x0041_".
 */
export function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
