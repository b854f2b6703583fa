/**
 * MPEG audio frame headers (ISO/IEC 11172-3 §2.4.2.3, ISO/IEC 13818-3 for
 * MPEG-2, and the unofficial MPEG-2.5 extension). The WASM decoder always
 * hands back two channels and resyncs silently over a cut-off last frame, so
 * the file's real channel count, its frame chain and where it breaks off are
 * read here, from the headers, without decoding.
 */

export interface FrameHeader {
  /** 1 = MPEG-1, 2 = MPEG-2, 2.5 = MPEG-2.5 */
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  bitrateKbps: number;
  sampleRate: number;
  channels: 1 | 2;
  samplesPerFrame: number;
  frameBytes: number;
}

const BITRATES_V1: Record<number, readonly number[]> = {
  1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
};
const BITRATES_V2: Record<number, readonly number[]> = {
  1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  3: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<string, readonly number[]> = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
};

/** Parses the 4-byte header at `at`, or returns null when it is not a usable frame header. */
export function parseFrameHeader(data: Uint8Array, at: number): FrameHeader | null {
  if (at + 4 > data.length) return null;
  const b1 = data[at + 1]!;
  const b2 = data[at + 2]!;
  const b3 = data[at + 3]!;
  if (data[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  // Reserved values; free-format (bitrate index 0) is refused too, since its frame length cannot be known from the header.
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || (b3 & 3) === 2) {
    return null;
  }
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrateKbps = (version === 1 ? BITRATES_V1 : BITRATES_V2)[layer]![bitrateIndex]!;
  const sampleRate = SAMPLE_RATES[String(version)]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const channels = b3 >> 6 === 3 ? 1 : 2;
  let samplesPerFrame: number;
  let frameBytes: number;
  if (layer === 1) {
    samplesPerFrame = 384;
    frameBytes = (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4;
  } else if (layer === 2 || version === 1) {
    samplesPerFrame = 1152;
    frameBytes = Math.floor((144 * bitrateKbps * 1000) / sampleRate) + padding;
  } else {
    // Layer III of MPEG-2/2.5 has one granule per frame: half the samples, half the bytes.
    samplesPerFrame = 576;
    frameBytes = Math.floor((72 * bitrateKbps * 1000) / sampleRate) + padding;
  }
  return { version, layer, bitrateKbps, sampleRate, channels, samplesPerFrame, frameBytes };
}

function sameStream(a: FrameHeader, b: FrameHeader): boolean {
  return a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate;
}

/** Bytes of the ID3v2 tag(s) at the start of the file (ID3v2.4 §3.1: 10-byte header, syncsafe size, optional footer). */
export function id3v2Length(data: Uint8Array, at = 0): number {
  let pos = at;
  while (pos + 10 <= data.length && data[pos] === 0x49 && data[pos + 1] === 0x44 && data[pos + 2] === 0x33) {
    const size = ((data[pos + 6]! & 0x7f) << 21) | ((data[pos + 7]! & 0x7f) << 14) | ((data[pos + 8]! & 0x7f) << 7) | (data[pos + 9]! & 0x7f);
    const footer = (data[pos + 5]! & 0x10) !== 0 ? 10 : 0;
    pos += 10 + size + footer;
  }
  return Math.min(pos, data.length) - at;
}

/** Bytes of the tags that may follow the last frame: ID3v1 ("TAG", 128 bytes), APEv2 and Lyrics3. */
function trailingTagsLength(data: Uint8Array, end: number): number {
  let cut = end;
  for (let guard = 0; guard < 4; guard++) {
    if (cut >= 128 && ascii(data, cut - 128, 3) === 'TAG') {
      cut -= 128;
      continue;
    }
    if (cut >= 32 && ascii(data, cut - 32, 8) === 'APETAGEX') {
      const size = readU32LE(data, cut - 32 + 12);
      const hasHeader = (data[cut - 32 + 23]! & 0x80) !== 0;
      cut -= size + (hasHeader ? 32 : 0);
      continue;
    }
    if (cut >= 15 && ascii(data, cut - 9, 9) === 'LYRICS200') {
      const size = Number(ascii(data, cut - 15, 6));
      if (Number.isFinite(size)) {
        cut -= 15 + size;
        continue;
      }
    }
    break;
  }
  return end - Math.max(cut, 0);
}

export function ascii(data: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length && i < data.length; i++) s += String.fromCharCode(data[i]!);
  return s;
}

function readU32LE(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

/** How many consecutive frames must line up before a sync word is believed (a lone 0xFFE is common in other data). */
const CHAIN = 3;

/** The first offset at or after `from` where CHAIN frames of one stream follow each other (or run exactly to `end`). */
export function findFrameChain(data: Uint8Array, from: number, end: number): { offset: number; header: FrameHeader } | null {
  for (let pos = from; pos + 4 <= end; pos++) {
    if (data[pos] !== 0xff) continue;
    const first = parseFrameHeader(data, pos);
    if (!first) continue;
    let next = pos + first.frameBytes;
    let ok = true;
    for (let n = 1; n < CHAIN && next < end; n++) {
      const h = parseFrameHeader(data, next);
      if (!h || !sameStream(first, h)) {
        ok = false;
        break;
      }
      next += h.frameBytes;
    }
    if (ok && next <= end) return { offset: pos, header: first };
  }
  return null;
}

export interface FrameScan {
  /** Offset of the first audio frame (after any ID3v2 tag). */
  firstFrameOffset: number;
  /** Offset just past the last complete frame. */
  audioEnd: number;
  frames: number;
  sampleRate: number;
  channels: 1 | 2;
  layer: 1 | 2 | 3;
  /** Samples per channel by the headers (includes the encoder delay and padding). */
  samples: number;
  samplesPerFrame: number;
  /** Byte offset of each audio frame (the Xing/Info frame, which carries none, is not one): frame i decodes to samples i*samplesPerFrame on. */
  frameOffsets: number[];
  /** Samples to drop at the start (encoder delay + decoder delay) and at the end (padding), from the LAME tag; null without one. */
  gapless: { start: number; end: number } | null;
  /** Where the frame chain breaks: garbage between frames or a last frame cut short. */
  damage: { kind: 'truncated' | 'corrupt'; byteOffset: number; atSamples: number } | null;
  /** ID3v2 tag at the start without any frame after it. */
  tagOnly: boolean;
}

/**
 * Walks the whole frame chain. Returns null when no MPEG audio stream is found at all.
 * A zero-filled tail is accepted as padding (some tools pad files to a block size).
 */
export function scanFrames(data: Uint8Array): FrameScan | null {
  const tagEnd = id3v2Length(data, 0);
  const end = data.length - trailingTagsLength(data, data.length);
  const found = findFrameChain(data, tagEnd, end);
  if (!found) {
    return tagEnd > 0 && tagEnd >= end - 4
      ? {
          firstFrameOffset: tagEnd,
          audioEnd: tagEnd,
          frames: 0,
          sampleRate: 0,
          channels: 1,
          layer: 3,
          samples: 0,
          samplesPerFrame: 0,
          frameOffsets: [],
          gapless: null,
          damage: null,
          tagOnly: true,
        }
      : null;
  }
  const stream = found.header;
  let channels: 1 | 2 = stream.channels;
  let pos = found.offset;
  let frames = 0;
  let samples = 0;
  let audioEnd = pos;
  let damage: FrameScan['damage'] = null;
  const frameOffsets: number[] = [];
  const declaredFrames = xingFrameCount(data, found.offset, stream);
  const gapless = lameGapless(data, found.offset, stream);
  if (hasXingTag(data, found.offset, stream)) {
    // The Xing/Info frame carries no audio (the decoder skips it): count from the frame after it.
    pos += stream.frameBytes;
    audioEnd = pos;
  }
  while (pos < end) {
    const h = parseFrameHeader(data, pos);
    if (h && sameStream(stream, h)) {
      if (pos + h.frameBytes > end) {
        damage = { kind: 'truncated', byteOffset: pos, atSamples: samples };
        break;
      }
      if (h.channels === 2) channels = 2;
      frames++;
      frameOffsets.push(pos);
      samples += h.samplesPerFrame;
      pos += h.frameBytes;
      audioEnd = pos;
      continue;
    }
    if (isZeroFrom(data, pos, end)) break;
    // A tag in the middle (some tools write ID3v2 again before a new part) is not damage.
    const tag = id3v2Length(data, pos);
    if (tag > 0) {
      pos += tag;
      continue;
    }
    const resync = findFrameChain(data, pos + 1, end);
    // Garbage with no frame after it: the stream stops here, as if it had been cut.
    damage = { kind: resync ? 'corrupt' : 'truncated', byteOffset: pos, atSamples: samples };
    break;
  }
  // A file cut exactly between two frames walks cleanly; the frame count LAME wrote at the start still tells.
  // One frame of slack: encoders differ on whether the count includes the Xing frame itself.
  if (!damage && declaredFrames !== null && declaredFrames > frames + 1) {
    damage = { kind: 'truncated', byteOffset: audioEnd, atSamples: samples };
  }
  return {
    firstFrameOffset: found.offset,
    audioEnd,
    frames,
    sampleRate: stream.sampleRate,
    channels,
    layer: stream.layer,
    samples,
    samplesPerFrame: stream.samplesPerFrame,
    frameOffsets,
    gapless: gapless && gapless.start + gapless.end < samples ? gapless : null,
    damage,
    tagOnly: false,
  };
}

/**
 * The frame count of a Xing/Info header (written by LAME and most encoders into the first frame, after the
 * side information: 32/17 bytes for MPEG-1 stereo/mono, 17/9 for MPEG-2/2.5), or null when there is none.
 */
function xingFrameCount(data: Uint8Array, frameAt: number, h: FrameHeader): number | null {
  if (!hasXingTag(data, frameAt, h)) return null;
  const at = xingTagAt(frameAt, h);
  const flags = readU32BE(data, at + 4);
  return flags & 1 ? readU32BE(data, at + 8) : null;
}

/** A first frame that holds a Xing/Info tag instead of audio (the decoder skips it). */
function hasXingTag(data: Uint8Array, frameAt: number, h: FrameHeader): boolean {
  if (h.layer !== 3) return false;
  const tag = ascii(data, xingTagAt(frameAt, h), 4);
  return tag === 'Xing' || tag === 'Info';
}

/** Where the Xing/Info tag starts in the first frame, after the side information. */
function xingTagAt(frameAt: number, h: FrameHeader): number {
  const sideInfo = h.version === 1 ? (h.channels === 2 ? 32 : 17) : h.channels === 2 ? 17 : 9;
  return frameAt + 4 + sideInfo;
}

/**
 * The MDCT and synthesis filterbank delay every layer III decoder adds
 * before the first real sample (the LAME tag's delay does not include it).
 */
const DECODER_DELAY = 529;

/**
 * The encoder delay and padding LAME (and ffmpeg, which writes the same tag)
 * store after the Xing/Info fields: 12 bits each, 21 bytes into the LAME
 * extension. Gapless players trim delay + 529 samples at the start and
 * padding - 529 at the end, and so does this app, so the callee hears no
 * encoder silence and the stored duration is the recording's own.
 */
function lameGapless(data: Uint8Array, frameAt: number, h: FrameHeader): { start: number; end: number } | null {
  if (!hasXingTag(data, frameAt, h)) return null;
  const at = xingTagAt(frameAt, h);
  const flags = readU32BE(data, at + 4);
  // Frames, bytes, table of contents and quality come first, each only when its flag is set.
  const ext = at + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  if (ext + 24 > frameAt + h.frameBytes) return null;
  const encoder = ascii(data, ext, 4);
  if (encoder !== 'LAME' && encoder !== 'Lavc' && encoder !== 'Lavf') return null;
  const delay = (data[ext + 21]! << 4) | (data[ext + 22]! >> 4);
  const padding = ((data[ext + 22]! & 0x0f) << 8) | data[ext + 23]!;
  return { start: delay + DECODER_DELAY, end: Math.max(0, padding - DECODER_DELAY) };
}

function readU32BE(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

function isZeroFrom(data: Uint8Array, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (data[i] !== 0) return false;
  return true;
}
