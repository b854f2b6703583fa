import { startSipp, type SippRun } from '../support/sipp.js';
import { addRecording, useSipGateway } from './coreSetup.js';
import { expect, screenshot, test } from './fixtures.js';

/**
 * Issue 10's signalling as the user sees it in Settings > Gateway > test
 * call: a long call's trace keeps its start and end with a marker between,
 * the callee's Q.850 cause shows, and a redirect that cannot be followed is
 * said in the user's language.
 */
test.describe('SIP signalling in the test call', () => {
  let sipps: SippRun[] = [];
  test.afterEach(async () => {
    await Promise.all(sipps.map((s) => s.kill()));
    sipps = [];
  });

  test('a long call: the trace shows its first and last messages and how many were left out; the callee’s cause is shown', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    const callee = await startSipp({ scenario: 'long-call-options.xml' });
    sipps.push(callee);
    await useSipGateway(bridge.core, '127.0.0.1', callee.port, { playTimes: 5 });

    await app.goto('/settings');
    await page.getByTestId('gateway-call-to').locator('input').fill('081234567890');
    await page.getByTestId('gateway-call').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Answered', { timeout: 15_000 });
    await expect(page.getByTestId('gateway-call-cause')).toHaveText('16');
    const trace = page.getByTestId('gateway-call-trace');
    await expect(trace).toContainText('SIP trace (225 messages)');
    await expect(trace.getByTestId('sip-trace-entry')).toHaveCount(200);
    await expect(trace.getByTestId('sip-trace-omitted')).toHaveText('… 25 messages left out here (the first and the last ones are kept) …');
    await expect(trace.getByTestId('sip-trace-entry').first()).toContainText('INVITE sip:+6281234567890@127.0.0.1');
    await expect(trace.getByTestId('sip-trace-entry').last()).toContainText('SIP/2.0 200 OK');
    await expect(trace.getByTestId('sip-trace-entry').nth(198)).toContainText('BYE sip:');
    await trace.getByTestId('sip-trace-omitted').scrollIntoViewIfNeeded();
    await screenshot(page, 'sip-trace-omitted');
    expect(app.consoleErrors).toEqual([]);
  });

  test('a redirect that cannot be followed is a problem in the user’s language, with the Contact', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    const callee = await startSipp({ scenario: 'redirect-unfollowable.xml', args: ['-key', 'contact', 'sip:+6281111111111@127.0.0.1:5070;transport=tcp'] });
    sipps.push(callee);
    await useSipGateway(bridge.core, '127.0.0.1', callee.port);

    await app.goto('/settings');
    await page.getByTestId('locale-menu').click();
    await page.getByTestId('locale-id').click();
    await page.getByTestId('gateway-call-to').locator('input').fill('081234567890');
    await page.getByTestId('gateway-call').click();
    await expect(page.getByTestId('gateway-call-status')).toHaveText('302', { timeout: 15_000 });
    await expect(page.getByTestId('gateway-call-problems')).toHaveText(
      'Gateway mengalihkan panggilan (SIP 302) ke sip:+6281111111111@127.0.0.1:5070;transport=tcp, dan aplikasi tidak mengikutinya: alamat itu meminta transport (UDP/TCP) yang berbeda dari setelan gateway. Periksa pengalihan di PBX, atau kirim jejak SIP ke dukungan.',
    );
    await screenshot(page, 'sip-redirected-id');
    expect(app.consoleErrors).toEqual([]);
  });
});
