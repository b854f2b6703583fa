import { describe, expect, it } from 'vitest';
import { alaw, ByteSink, encodeBoth, mulaw } from './g711.js';

describe('encodeBoth', () => {
  it("gives the library encoder's bytes for every sample, clipping beyond full scale", () => {
    const samples = new Float32Array(70000);
    // Every 16-bit level once (as a float), then values beyond -1..1 and both edges.
    for (let i = 0; i < 65536; i++) samples[i] = (i - 32768) / 32767;
    samples.set([1, -1, 0, 1.5, -1.5, 0.49999, -0.00001, 1 / 32767 / 2], 65536);
    const pcm = Int16Array.from(samples.subarray(0, 65544), (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
    const a = new ByteSink(10);
    const u = new ByteSink(10);
    // In two chunks, so the sinks have to grow and append.
    encodeBoth(samples.subarray(0, 30000), a, u);
    encodeBoth(samples.subarray(30000, 65544), a, u);
    expect(a.length).toBe(65544);
    expect(Buffer.from(a.bytes()).equals(Buffer.from(alaw.encode(pcm)))).toBe(true);
    expect(Buffer.from(u.bytes()).equals(Buffer.from(mulaw.encode(pcm)))).toBe(true);
  });
});
