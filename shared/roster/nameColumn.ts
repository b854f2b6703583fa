import { foldHeader } from './phoneColumn.js';

/**
 * The roster column that holds the customer's name, for the task page's
 * numbers list. Headers are typed in English, Indonesian or Chinese
 * ("Name", "Nama Pelanggan", "姓名", "客户名称"), folded as the phone
 * column's are (shared/roster/phoneColumn.ts).
 */
const EXACT = [
  'name', 'fullname', 'customername', 'customer', 'contactname', 'firstname',
  'nama', 'namalengkap', 'namapelanggan', 'pelanggan', 'namanasabah', 'nasabah', 'namakontak',
  '姓名', '名字', '客户', '客户名称', '客户姓名', '联系人', '名称',
];
const CONTAINED = ['name', 'nama', '姓名', '名字', '客户名'];

export function findNameColumn(columns: readonly string[]): string | null {
  const folded = columns.map((c) => ({ column: c, key: foldHeader(c) }));
  for (const name of EXACT) {
    const hit = folded.find((c) => c.key === name);
    if (hit) return hit.column;
  }
  // "File name" or "Nama file" is rare in a call roster; a header merely containing the word is the fallback.
  return folded.find((c) => CONTAINED.some((word) => c.key.includes(word)))?.column ?? null;
}
