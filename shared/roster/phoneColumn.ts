/**
 * Finds the phone column of a roster by its header (docs/DOMAIN.md "Phone
 * numbers": "Phone", "Mobile", "Nomor HP", "No. Telepon", "手机号", "电话").
 * Headers are typed by people in English, Indonesian or Chinese, so they are
 * compared folded: NFKC (full-width to plain), lower case, without spaces or
 * punctuation ("No. HP", "no hp" and "NO_HP" are the same).
 */

/** Folded header names, best first: a roster with both "Phone" and "WhatsApp" is dialled on "Phone". */
const EXACT_NAMES: readonly (readonly string[])[] = [
  // The number to call, by its usual names.
  [
    'phone', 'phonenumber', 'phoneno', 'phonenum', 'mobile', 'mobilenumber', 'mobileno', 'mobilephone', 'mobilephonenumber',
    'cellphone', 'cell', 'cellnumber', 'handphone', 'msisdn', 'telephone', 'telephonenumber', 'telephoneno', 'tel', 'telno', 'telnumber',
    'hp', 'nohp', 'nomorhp', 'nomerhp', 'nomorhandphone', 'nohandphone', 'ponsel', 'noponsel', 'nomorponsel',
    'telepon', 'notelepon', 'nomortelepon', 'telp', 'notelp', 'nomortelp', 'nomortlp', 'notlp', 'tlp',
    '手机号', '手机', '手机号码', '电话', '电话号码', '联系电话', '移动电话', '手提电话', '联系手机', '电话号',
  ],
  // WhatsApp numbers are mobiles too; used when no column says phone.
  ['whatsapp', 'whatsappnumber', 'wa', 'nowa', 'nomorwa', 'nomorwhatsapp', 'nowhatsapp', 'wanumber'],
  // Generic last resorts.
  // "Nomor" alone is as often the row's serial number as a phone number.
  ['number', 'nomor', 'nomer', '号码', 'contactnumber', 'contact', 'kontak', 'nokontak', 'nomorkontak', '联系方式'],
];

/** Words that make a longer header a phone column ("Customer Phone", "Nomor HP Pelanggan", "客户手机号"). */
const CONTAINED_WORDS: readonly string[] = ['phone', 'mobile', 'telepon', 'telp', 'handphone', 'ponsel', 'whatsapp', 'nohp', 'nomorhp', '手机', '电话'];

const RANK = new Map<string, number>();
EXACT_NAMES.forEach((names, rank) => {
  for (const name of names) RANK.set(name, rank);
});

export function foldHeader(header: string): string {
  return header
    .normalize('NFKC')
    .toLocaleLowerCase('en-US')
    .replace(/[\p{P}\p{S}\p{Z}\s]+/gu, '');
}

/** The header of the phone column, as written in the file, or null when none is recognised. */
export function findPhoneColumn(headers: readonly string[]): string | null {
  let best: { header: string; rank: number } | null = null;
  for (const header of headers) {
    const folded = foldHeader(header);
    if (folded === '') continue;
    let rank = RANK.get(folded);
    if (rank === undefined && CONTAINED_WORDS.some((word) => folded.includes(word))) rank = EXACT_NAMES.length;
    if (rank !== undefined && (best === null || rank < best.rank)) best = { header, rank };
  }
  return best?.header ?? null;
}
