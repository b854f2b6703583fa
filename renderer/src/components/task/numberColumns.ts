import { i18n } from '../../i18n/index.js';

export interface NumberColumn {
  title: string;
  key: string;
  width?: number;
}

/**
 * The headers of a table of a task's numbers: the roster's row and the phone
 * number, then `more`. No column sorts: the rows keep the roster's order
 * (the paged ones come from the database a page at a time in that order).
 */
export function numberColumns(more: NumberColumn[], rowWidth = 70): (NumberColumn & { sortable: false })[] {
  const { t } = i18n.global;
  const columns: NumberColumn[] = [{ title: t('taskDetail.row'), key: 'rowNumber', width: rowWidth }, { title: t('taskDetail.phone'), key: 'phoneE164' }, ...more];
  return columns.map((column) => ({ ...column, sortable: false }));
}
