import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the built renderer (out/renderer-web, `npx vite build`)
 * in Debian's Chromium, against a real core behind the loopback test bridge
 * (tests/e2e/bridgeServer.ts, started per test by tests/e2e/fixtures.ts).
 * Browsers are never downloaded: the system /usr/bin/chromium is used.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results/e2e-artifacts',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1366, height: 860 },
    locale: 'en-US',
    // A zone far from WIB, so a page that forgot Asia/Jakarta shows the wrong time.
    timezoneId: 'America/Los_Angeles',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
