import { errorParamNames } from '../../../shared/messages/errorCatalog.js';
import { ascii, id3v2Length } from './mpegFrames.js';

/**
 * Names the kind of a file that is not MPEG audio, from its first bytes
 * (magic numbers), so the message can tell the user what they picked. The
 * extension is never trusted: a WAV renamed to .mp3 is still a WAV.
 */
export type SniffedFormat =
  | 'wav'
  | 'ogg'
  | 'flac'
  | 'm4a'
  | 'aiff'
  | 'wma'
  | 'amr'
  | 'aac'
  | 'midi'
  | 'pdf'
  | 'zip'
  | 'text'
  | 'unknown';

/** Every format has its English name in the catalog (errorParams.format), as the error messages show it. */
errorParamNames.format satisfies Record<SniffedFormat, string>;

export function sniffFormat(data: Uint8Array): SniffedFormat {
  // Some tools put an ID3v2 tag in front of other formats too (FLAC, AAC).
  const at = id3v2Length(data, 0);
  const head = ascii(data, at, 4);
  if (head === 'RIFF' && ascii(data, at + 8, 4) === 'WAVE') return 'wav';
  if (head === 'RF64' || head === 'BW64') return 'wav';
  if (head === 'OggS') return 'ogg';
  if (head === 'fLaC') return 'flac';
  if (ascii(data, at + 4, 4) === 'ftyp') return 'm4a';
  if (head === 'FORM' && /^AIF[FC]$/.test(ascii(data, at + 8, 4))) return 'aiff';
  if (data[at] === 0x30 && data[at + 1] === 0x26 && data[at + 2] === 0xb2 && data[at + 3] === 0x75) return 'wma';
  if (ascii(data, at, 5) === '#!AMR') return 'amr';
  // ADTS shares MPEG audio's 12-bit sync word but has layer bits 00 (ISO/IEC 13818-7 §6.2).
  if (data[at] === 0xff && ((data[at + 1] ?? 0) & 0xf6) === 0xf0) return 'aac';
  if (head === 'MThd') return 'midi';
  if (head === '%PDF') return 'pdf';
  if (head === 'PK\u0003\u0004') return 'zip';
  if (looksLikeText(data)) return 'text';
  return 'unknown';
}

/** Mostly printable bytes and no NUL in the first 4 KB: text in any ASCII-compatible encoding (UTF-8 included). */
function looksLikeText(data: Uint8Array): boolean {
  const n = Math.min(data.length, 4096);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const b = data[i]!;
    if (b === 0) return false;
    if (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) printable++;
  }
  return printable / n > 0.95;
}
