import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSmsProviderServer } from '../support/smsProviderServer.js';
import { startBridge, type Bridge, type BridgeOptions } from './bridgeServer.js';

type SmsServer = Awaited<ReturnType<typeof startSmsProviderServer>>;

interface Fixtures {
  /** How the bridge's core is started (`test.use({ bridgeOptions: { startEngine: true } })` to dial). */
  bridgeOptions: BridgeOptions;
  /** A fresh core on a fresh data folder behind the bridge, for this test only. */
  bridge: Bridge;
  /** The app opened in the page, with console errors collected. */
  app: { page: Page; consoleErrors: string[]; goto(path: string): Promise<void> };
}

interface WorkerFixtures {
  sms: SmsServer;
}

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export const test = base.extend<Fixtures, WorkerFixtures>({
  sms: [
    async ({}, use) => {
      const server = await startSmsProviderServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  bridgeOptions: [{}, { option: true }],
  bridge: async ({ bridgeOptions }, use) => {
    const bridge = await startBridge(bridgeOptions);
    await use(bridge);
    await bridge.close();
  },
  app: async ({ page, bridge }, use) => {
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(bridge.url);
    await expect(page.getByTestId('nav-drawer')).toBeVisible();
    // The first route ('/' -> '/scheduler', a lazy page) must settle first, or it can win over a goto() that follows.
    await expect(page).toHaveURL(/#\/scheduler$/);
    await expect(page.getByTestId('task-table')).toBeVisible();
    await use({
      page,
      consoleErrors,
      async goto(path: string) {
        await page.goto(`${bridge.url}#${path}`);
        await expect(page).toHaveURL((url) => url.hash === `#${path}`);
      },
    });
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
