/**
 * The Content Security Policy of every page, in one place: nothing remote,
 * no inline or eval'd script (Electron security checklist, "Define a
 * Content Security Policy"). Vuetify sets inline styles, hence style-src
 * 'unsafe-inline'; echarts draws on a canvas and needs nothing more.
 *
 * The app's protocol handler (electron/main/protocol.ts) and the end-to-end
 * bridge (tests/e2e/bridgeServer.ts) send it as a header; renderer/index.html
 * carries the same directives in a meta tag, less frame-ancestors, which a
 * meta tag cannot set (csp.test.ts keeps the three equal).
 */
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
] as const;

export const CSP = CSP_DIRECTIVES.join('; ');

/** What the page's meta tag holds: every directive a meta tag may carry. */
export const CSP_META = CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');
