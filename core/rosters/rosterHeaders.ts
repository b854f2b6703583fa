import { findPhoneColumn } from '../../shared/roster/phoneColumn.js';
import { rosterErrors } from './rosterErrors.js';

/**
 * Column names from the header row: trimmed; a blank header over data
 * becomes "Column C" (the letter Excel shows) and a repeated one "Name (2)",
 * because the names are the keys of each entry's template variables and must
 * be unique and non-empty.
 */
export function columnNames(headerCells: readonly string[]): string[] {
  const names: string[] = [];
  const used = new Set<string>();
  headerCells.forEach((cell, index) => {
    const base = cell.trim() === '' ? `Column ${columnLetter(index)}` : cell.trim();
    let name = base;
    for (let n = 2; used.has(name.toLocaleLowerCase('en-US')); n++) name = `${base} (${n})`;
    used.add(name.toLocaleLowerCase('en-US'));
    names.push(name);
  });
  return names;
}

/** Excel's column letters: 0 -> A, 25 -> Z, 26 -> AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * The index of the phone column: the one the user chose (exact name first,
 * then ignoring case and surrounding spaces), else the one recognised by its
 * header; null when neither.
 */
export function phoneColumnIndex(columns: readonly string[], chosen: string | undefined): number | null {
  if (chosen !== undefined) {
    const wanted = chosen.trim();
    let index = columns.indexOf(wanted);
    if (index < 0) index = columns.findIndex((c) => c.toLocaleLowerCase('en-US') === wanted.toLocaleLowerCase('en-US'));
    if (index < 0) throw rosterErrors.unknownColumn(chosen, [...columns]);
    return index;
  }
  const found = findPhoneColumn(columns);
  return found === null ? null : columns.indexOf(found);
}
