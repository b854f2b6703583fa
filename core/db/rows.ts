/** "original_file_name" -> "originalFileName", as a type. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The chosen columns of a row, named as the contract names them (snake_case columns, camelCase fields). */
export type FromRow<Row, Column extends keyof Row & string> = { [C in Column as CamelCase<C>]: Row[C] };

function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * One row-to-object mapping for every service: the listed columns under
 * their camelCase names, nothing else (a row's file hash or secrets never
 * reach the contract by accident). What is not a plain copy (JSON columns,
 * 0/1 flags, computed fields) the caller adds beside it, so the
 * compiler checks the result against the contract's type.
 */
export function fromRow<Row extends object, Column extends keyof Row & string>(row: Row, columns: readonly Column[]): FromRow<Row, Column> {
  const out: Record<string, unknown> = {};
  for (const column of columns) out[camelCase(column)] = row[column];
  return out as FromRow<Row, Column>;
}
