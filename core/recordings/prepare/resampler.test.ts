import { describe, expect, it } from 'vitest';
import { Resampler, resampleTo8k } from './resampler.js';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

/** RMS over the middle, away from the start and end where the filter meets the zero padding. */
function rms(x: Float32Array, skip = 400): number {
  let sum = 0;
  for (let i = skip; i < x.length - skip; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (x.length - 2 * skip));
}

function zeroCrossings(x: Float32Array, skip = 400): number {
  let n = 0;
  for (let i = skip + 1; i < x.length - skip; i++) if (x[i - 1]! < 0 !== x[i]! < 0) n++;
  return n;
}

describe('Resampler', () => {
  it.each([44100, 48000, 32000, 24000, 22050, 16000, 12000, 11025, 8000])('turns %i Hz into exactly ceil(n*8000/rate) samples at 8 kHz, unity gain in the voice band', (rate) => {
    const input = tone(1000, rate, 2);
    const out = resampleTo8k(input, rate);
    expect(out.length).toBe(Math.ceil((input.length * 8000) / rate));
    // 1 kHz keeps its frequency (2 crossings per cycle) and its level.
    expect(Math.abs(zeroCrossings(out) - 2000 * ((out.length - 800) / 8000))).toBeLessThan(4);
    expect(rms(out) / (0.5 / Math.SQRT2)).toBeCloseTo(1, 2);
  });

  it('keeps 300 Hz and 3400 Hz (the telephone band) within 0.2 dB', () => {
    for (const f of [300, 3000, 3400]) {
      const gainDb = 20 * Math.log10(rms(resampleTo8k(tone(f, 44100, 1), 44100)) / (0.5 / Math.SQRT2));
      expect(Math.abs(gainDb)).toBeLessThan(0.2);
    }
  });

  it.each([44100, 48000, 22050])('removes what would alias (5 kHz, 6 kHz, 11 kHz at %i Hz) by more than 60 dB', (rate) => {
    for (const f of [5000, 6000, Math.min(11000, rate / 2 - 100)]) {
      const out = resampleTo8k(tone(f, rate, 1), rate);
      const downDb = 20 * Math.log10(rms(out) / (0.5 / Math.SQRT2));
      expect(downDb).toBeLessThan(-60);
    }
  });

  it.each([44100, 48000, 22050, 16000])('gives the same samples at %i Hz whether fed at once or in odd chunks', (rate) => {
    const mono = tone(700, rate, 1.3);
    const whole = resampleTo8k(mono, rate);
    const r = new Resampler(rate);
    const parts: number[] = [];
    for (let at = 0, size = 1; at < mono.length; at += size, size = (size * 7 + 3) % 5000 || 1) {
      parts.push(...r.push(mono.subarray(at, at + size)));
    }
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(parts[i]! - whole[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it.each([44100, 48000, 32000, 22050])('at %i Hz is at least 68 dB down everywhere from 4300 Hz to the input Nyquist frequency, flat in 300-3400 Hz', (rate) => {
    let worstStop = -Infinity;
    let worstPass = 0;
    // Odd steps and an odd length, so no frequency sits on a filter's special point and the chain's rounding is exercised.
    for (let f = 300; f < rate / 2 - 50; f += f < 4600 ? 97 : 733) {
      const input = tone(f, rate, 0.3);
      const out = resampleTo8k(input.subarray(0, input.length - 3), rate);
      expect(out.length).toBe(Math.ceil(((input.length - 3) * 8000) / rate));
      const db = 20 * Math.log10(rms(out) / (0.5 / Math.SQRT2));
      if (f >= 4300) worstStop = Math.max(worstStop, db);
      else if (f <= 3400) worstPass = Math.max(worstPass, Math.abs(db));
    }
    expect(worstStop).toBeLessThan(-68);
    expect(worstPass).toBeLessThan(0.05);
  });

  it('has no delay: an impulse at t comes out at t', () => {
    const input = new Float32Array(44100);
    input[22050] = 1; // 0.5 s
    const out = resampleTo8k(input, 44100);
    let peak = 0;
    for (let i = 1; i < out.length; i++) if (Math.abs(out[i]!) > Math.abs(out[peak]!)) peak = i;
    expect(peak).toBe(4000);
  });
});
