/**
 * Rows to records and back, one way for every table: a record type is
 * described once as a map from its fields to their columns, and that map
 * reads a row (`read`) and gives the columns to write (`write`). SQLite
 * keeps booleans as 0/1 and lists as JSON text; the field kinds below say
 * which, so no service writes its own `toX(row)` function.
 */

/** A row as better-sqlite3 returns it: column name (or alias) to value. */
export type Row = Record<string, unknown>;

/** What better-sqlite3 binds. */
export type SqlValue = string | number | bigint | null;

/** How one field of a record comes from its columns, and (for a plain column) goes back. */
export interface Field<T> {
  readonly columns: readonly string[];
  read(row: Row): T;
  /** The column's value for `value`; absent for a field computed from several columns, which is only read. */
  write?(value: T): SqlValue;
}

function column<T>(name: string, read: (value: unknown) => T, write: (value: T) => SqlValue): Field<T> {
  return { columns: [name], read: (row) => read(row[name]), write };
}

const asIs = <T>(value: unknown): T => value as T;

export const text = (name: string): Field<string> => column(name, asIs<string>, (v) => v);
export const nullableText = (name: string): Field<string | null> => column(name, asIs<string | null>, (v) => v);
export const int = (name: string): Field<number> => column(name, asIs<number>, (v) => v);
export const nullableInt = (name: string): Field<number | null> => column(name, asIs<number | null>, (v) => v);
/** A text column holding one of a closed set of values (a status, a kind): typed, not checked at run time. */
export const oneOf = <T extends string>(name: string): Field<T> => column(name, asIs<T>, (v) => v);
export const nullableOneOf = <T extends string>(name: string): Field<T | null> => column(name, asIs<T | null>, (v) => v);
/** SQLite has no boolean: 1 is true, 0 false. */
export const flag = (name: string): Field<boolean> => column(name, (v) => v === 1, (v) => (v ? 1 : 0));
export const nullableFlag = (name: string): Field<boolean | null> =>
  column(name, (v) => (v === null || v === undefined ? null : v === 1), (v) => (v === null ? null : v ? 1 : 0));
/** A value kept as JSON text. */
export const json = <T>(name: string): Field<T> => column(name, (v) => JSON.parse(v as string) as T, (v) => JSON.stringify(v));

/** A field read from several columns (a window from its start and end, a nested group of counters). */
export function computed<T>(columns: readonly string[], read: (row: Row) => T): Field<T> {
  return { columns, read };
}

/** A nested record read by its own mapper from the same row. */
export function nested<T>(mapper: RowMapper<T>): Field<T> {
  return computed(mapper.columns, (row) => mapper.read(row));
}

export type Fields<T> = { readonly [K in keyof T]-?: Field<T[K]> };

export interface RowMapper<T> {
  /** Every column it reads, once each. */
  readonly columns: readonly string[];
  /** The columns as a SELECT list. */
  readonly select: string;
  read(row: Row): T;
  /** The columns of the given fields (plain columns only) with their values, in the fields' order. */
  write(value: Partial<T>): { columns: string[]; values: SqlValue[] };
}

/** The mapper of a record type from one field per property (a missing or mistyped field does not compile). */
export function rowMapper<T>(fields: Fields<T>): RowMapper<T> {
  const entries = Object.entries(fields) as [keyof T & string, Field<unknown>][];
  const columns = [...new Set(entries.flatMap(([, f]) => f.columns))];
  return {
    columns,
    select: columns.join(', '),
    read(row) {
      const out = {} as Record<string, unknown>;
      for (const [key, field] of entries) out[key] = field.read(row);
      return out as T;
    },
    write(value) {
      const out: { columns: string[]; values: SqlValue[] } = { columns: [], values: [] };
      for (const [key, field] of entries) {
        if (!(key in value)) continue;
        if (!field.write) throw new Error(`${key} is read from ${field.columns.join(', ')} and cannot be written as one column`);
        out.columns.push(field.columns[0]!);
        out.values.push(field.write((value as Record<string, unknown>)[key]));
      }
      return out;
    },
  };
}
