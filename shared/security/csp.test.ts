import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, CSP_META } from './csp.js';

const ROOT = join(import.meta.dirname, '../..');

describe('one Content Security Policy', () => {
  it('is the meta tag of renderer/index.html', () => {
    const html = readFileSync(join(ROOT, 'renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CSP_META);
  });

  it('is what the app protocol and the e2e bridge send, not a copy of their own', () => {
    for (const file of ['electron/main/protocol.ts', 'tests/e2e/bridgeServer.ts']) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      expect(source, file).toMatch(/import \{[^}]*\bCSP\b[^}]*\} from '[./]+shared\/security\/csp\.js'/);
      expect(source, file).not.toContain("default-src 'self'");
    }
  });

  it('allows nothing remote and no inline or eval script', () => {
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(CSP).toContain("frame-ancestors 'none'");
  });
});
