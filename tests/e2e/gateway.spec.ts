import type { Page } from '@playwright/test';
import { freePort, startLossyRelay, startSipp, type SippRun, type UdpRelay } from '../support/sipp.js';
import { addRecording, useSipGateway } from './coreSetup.js';
import { expect, screenshot, test } from './fixtures.js';

const field = (page: Page, testId: string) => page.getByTestId(testId).locator('input');

/**
 * sipp behind a relay that drops nothing but tells when sipp sent a
 * response whose first line starts with `status` ("SIP/2.0 180"): the test
 * call's Cancel is pressed once the call is really ringing or answered,
 * instead of after a guessed delay.
 */
async function calleeBehindRelay(scenario: string, status: string): Promise<{ sipp: SippRun; relay: UdpRelay; seen: () => boolean }> {
  let seen = false;
  const relay = await startLossyRelay((text, fromUa) => {
    if (!fromUa && text.startsWith(status)) seen = true;
    return false;
  });
  const sipp = await startSipp({ scenario });
  relay.setTarget(sipp);
  return { sipp, relay, seen: () => seen };
}

async function fillSipGateway(page: Page, port: number, transport: 'udp' | 'tcp'): Promise<void> {
  await field(page, 'gateway-mode-sip').check();
  await field(page, 'gateway-host').fill('127.0.0.1');
  await field(page, 'gateway-port').fill(String(port));
  await field(page, `gateway-transport-${transport}`).check();
}

test.describe('Settings > Gateway', () => {
  let sipps: SippRun[] = [];
  let relays: UdpRelay[] = [];
  test.afterEach(async () => {
    await Promise.all([...sipps.map((s) => s.kill()), ...relays.map((r) => r.close())]);
    sipps = [];
    relays = [];
  });

  test('set up the SIP gateway, keep it after a reload, test it and place test calls through sipp', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo Januari');
    const options = await startSipp({ scenario: 'options.xml' });
    sipps.push(options);

    await app.goto('/settings');
    await expect(page.getByTestId('gateway-dry-run')).toContainText('no real call or SMS leaves');
    await expect(page.getByTestId('gateway-test')).toBeDisabled();
    await expect(page.getByTestId('gateway-test-blocked')).toContainText('Enter and save the gateway host first');
    // The SMS account is in its own tab of Settings, beside the gateway's.
    await expect(page.getByTestId('sms-account')).toHaveCount(0);
    await expect(page.getByTestId('settings-tab-sms')).toBeVisible();

    await field(page, 'gateway-mode-sip').check();
    await expect(page.getByTestId('gateway-dry-run')).toHaveCount(0);
    await expect(page.getByTestId('gateway-host')).toContainText('Enter the gateway host to use the SIP gateway');
    await expect(page.getByTestId('gateway-save')).toBeDisabled();
    await fillSipGateway(page, options.port, 'udp');
    await field(page, 'gateway-username').fill('2001');
    await field(page, 'gateway-password').fill('Secret-55');
    await expect(page.getByTestId('gateway-password')).toContainText('Not set');
    await field(page, 'gateway-caller-id-user').fill('021500');
    await page.getByTestId('gateway-advanced-toggle').click();
    await field(page, 'gateway-rtp-port-min').fill('32100');
    await field(page, 'gateway-rtp-port-max').fill('32199');
    // Unsaved changes: the tests would not use them, so they wait.
    await expect(page.getByTestId('gateway-test-blocked')).toContainText('Save the settings first');
    await expect(page.getByTestId('gateway-test')).toBeDisabled();

    await page.getByTestId('gateway-save').click();
    await expect(page.getByTestId('gateway-saved')).toContainText(`127.0.0.1:${options.port}`);
    await expect(field(page, 'gateway-password')).toHaveValue('');
    await expect(page.getByTestId('gateway-password')).toContainText('Saved');
    await expect(page.getByTestId('gateway-test')).toBeEnabled();

    await page.reload();
    await expect(field(page, 'gateway-host')).toHaveValue('127.0.0.1');
    await expect(field(page, 'gateway-port')).toHaveValue(String(options.port));
    await expect(field(page, 'gateway-mode-sip')).toBeChecked();
    await expect(field(page, 'gateway-transport-udp')).toBeChecked();
    await expect(field(page, 'gateway-caller-id-user')).toHaveValue('021500');
    await expect(field(page, 'gateway-rtp-port-min')).toHaveValue('32100');
    await expect(field(page, 'gateway-password')).toHaveValue('');
    await expect(page.getByTestId('gateway-password')).toContainText('Saved');
    expect(await page.content()).not.toContain('Secret-55');
    const stored = await bridge.core.dispatch('gateway.get', {});
    expect(stored.ok && stored.value).toMatchObject({ mode: 'sip', port: options.port, username: '2001', rtpPortMax: 32199, passwordSet: true });

    await page.getByTestId('gateway-test').click();
    const result = page.getByTestId('gateway-test-result');
    await expect(result).toContainText('Reachable: the gateway answered OPTIONS with 200');
    await expect(page.getByTestId('gateway-test-status')).toHaveText('200');
    await expect(page.getByTestId('gateway-trace')).toContainText('SIP trace (2 messages)');
    const trace = page.getByTestId('gateway-trace').getByTestId('sip-trace-entry');
    await expect(trace).toHaveCount(2);
    await expect(trace.nth(0)).toContainText(`to udp:127.0.0.1:${options.port}`);
    await expect(trace.nth(0)).toContainText(`OPTIONS sip:127.0.0.1:${options.port} SIP/2.0`);
    await expect(trace.nth(1)).toContainText('from udp:127.0.0.1');
    await expect(trace.nth(1)).toContainText('SIP/2.0 200 OK');
    await expect(trace.nth(1)).toContainText('WIB');
    // Opened, an entry shows the whole message as sent.
    await trace.nth(0).click();
    await expect(trace.nth(0).locator('pre')).toContainText('CSeq: 1 OPTIONS');
    await expect(trace.nth(0).locator('pre')).toContainText('From: <sip:021500@127.0.0.1>');
    expect((await options.exited).code, 'sipp saw its OPTIONS and answered it').toBe(0);

    // Calls go to a callee whose answer depends on the last digit (tests/sipp/by-number.xml).
    const callee = await startSipp({ scenario: 'by-number.xml', calls: 10, timeoutSeconds: 60 });
    sipps.push(callee);
    await field(page, 'gateway-port').fill(String(callee.port));
    await expect(page.getByTestId('gateway-call')).toBeDisabled();
    await page.getByTestId('gateway-save').click();
    await expect(page.getByTestId('gateway-saved')).toContainText(`127.0.0.1:${callee.port}`);
    // The OPTIONS result was for the other port.
    await expect(page.getByTestId('gateway-test-result')).toHaveCount(0);
    await expect(page.getByTestId('gateway-call-recording')).toContainText('Promo Januari');

    await field(page, 'gateway-call-to').fill('0812-3456-0011');
    await page.getByTestId('gateway-call').click();
    const call = page.getByTestId('gateway-call-result');
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Answered');
    await expect(page.getByTestId('gateway-call-hung-up-by')).toHaveText('The called person');
    await expect(page.getByTestId('gateway-call-status')).toHaveText('200');
    await expect(page.getByTestId('gateway-call-played-to-end')).toHaveText('No');
    await expect(page.getByTestId('gateway-call-answered')).toHaveText(/^0\.\d s$/);
    await expect(call).toContainText('WIB');
    const callTrace = page.getByTestId('gateway-call-trace');
    // Dialled in E.164 (the default number format), hung up by the callee's BYE.
    await expect(callTrace.getByTestId('sip-trace-entry').first()).toContainText('INVITE sip:+6281234560011@127.0.0.1');
    await expect(callTrace).toContainText('BYE sip:');
    await screenshot(page, 'settings-gateway');

    await field(page, 'gateway-call-to').fill('081234560012');
    await page.getByTestId('gateway-call').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Busy');
    await expect(page.getByTestId('gateway-call-status')).toHaveText('486');
    await expect(page.getByTestId('gateway-call-hung-up-by')).toHaveText('—');
    await expect(page.getByTestId('gateway-call-played-to-end')).toHaveText('—');
    expect(app.consoleErrors).toEqual([]);
  });

  test('a test call that rings can be cancelled: the app sends CANCEL and the result says the user cancelled it', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    const callee = await calleeBehindRelay('ringing-until-cancel.xml', 'SIP/2.0 180 ');
    sipps.push(callee.sipp);
    relays.push(callee.relay);
    // The longest ring timeout: within the test's waits only Cancel can end this call.
    await useSipGateway(bridge.core, '127.0.0.1', callee.relay.port, { ringTimeoutSeconds: 180 });

    await app.goto('/settings');
    await field(page, 'gateway-call-to').fill('081234567890');
    await expect(page.getByTestId('gateway-call-cancel')).toHaveCount(0);
    await page.getByTestId('gateway-call').click();
    await expect.poll(callee.seen).toBe(true);
    await page.getByTestId('gateway-call-cancel').click();

    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Cancelled by you');
    await expect(page.getByTestId('gateway-call-cancelled')).toHaveText('You cancelled the test call before it was answered.');
    await expect(page.getByTestId('gateway-call-status')).toHaveText('487');
    await expect(page.getByTestId('gateway-call-hung-up-by')).toHaveText('—');
    await expect(page.getByTestId('gateway-call-cancel')).toHaveCount(0);
    const cancel = page.getByTestId('gateway-call-trace').getByTestId('sip-trace-entry').filter({ hasText: 'CANCEL sip:+6281234567890@127.0.0.1' });
    await expect(cancel).toHaveCount(1);
    await expect(cancel).toContainText(`to udp:127.0.0.1:${callee.relay.port}`);
    // The scenario passes only when sipp got our CANCEL and the ACK of its 487 (RFC 3261 §9.1).
    const sipp = await callee.sipp.exited;
    expect(sipp.code, sipp.errors).toBe(0);
    expect(sipp.messages).toContain('CANCEL sip:+6281234567890@');

    await page.getByTestId('locale-menu').click();
    await page.getByTestId('locale-id').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Dibatalkan oleh Anda');
    expect(app.consoleErrors).toEqual([]);
  });

  test('a ringing test call survives leaving the page: coming back shows it with Cancel, then its result', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    const callee = await calleeBehindRelay('ringing-until-cancel.xml', 'SIP/2.0 180 ');
    sipps.push(callee.sipp);
    relays.push(callee.relay);
    await useSipGateway(bridge.core, '127.0.0.1', callee.relay.port, { ringTimeoutSeconds: 180 });

    await app.goto('/settings');
    await field(page, 'gateway-call-to').fill('081234567890');
    await page.getByTestId('gateway-call').click();
    await expect.poll(callee.seen).toBe(true);

    // Away to the Scheduler while it rings, and back through the menu.
    await page.getByTestId('nav-scheduler').click();
    await expect(page.getByTestId('task-table')).toBeVisible();
    await expect(page.getByTestId('gateway-call-card')).toHaveCount(0);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('gateway-call-cancel')).toBeVisible();
    await expect(field(page, 'gateway-call-to')).toHaveValue('081234567890');
    await expect(page.getByTestId('gateway-call-result')).toHaveCount(0);

    await page.getByTestId('gateway-call-cancel').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Cancelled by you');
    await expect(page.getByTestId('gateway-call-status')).toHaveText('487');
    await expect(page.getByTestId('gateway-call-cancel')).toHaveCount(0);
    const sipp = await callee.sipp.exited;
    expect(sipp.code, sipp.errors).toBe(0);

    // The result stays too when the page is left once the call has ended.
    await page.getByTestId('nav-scheduler').click();
    await expect(page.getByTestId('task-table')).toBeVisible();
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Cancelled by you');
    expect(app.consoleErrors).toEqual([]);
  });

  test('an answered test call can be cancelled too: the app hangs up with BYE', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    const callee = await calleeBehindRelay('answer-wait-bye.xml', 'SIP/2.0 200 ');
    sipps.push(callee.sipp);
    relays.push(callee.relay);
    // The one-second recording plays five times: Cancel comes long before the app would hang up itself.
    await useSipGateway(bridge.core, '127.0.0.1', callee.relay.port, { playTimes: 5 });

    await app.goto('/settings');
    await field(page, 'gateway-call-to').fill('081234567890');
    await page.getByTestId('gateway-call').click();
    await expect.poll(callee.seen).toBe(true);
    await page.getByTestId('gateway-call-cancel').click();

    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Cancelled by you');
    await expect(page.getByTestId('gateway-call-cancelled')).toHaveText('You ended the test call after it was answered.');
    await expect(page.getByTestId('gateway-call-hung-up-by')).toHaveText('You (Cancel call)');
    await expect(page.getByTestId('gateway-call-played-to-end')).toHaveText('No');
    await expect(page.getByTestId('gateway-call-trace')).toContainText('BYE sip:');
    const sipp = await callee.sipp.exited;
    expect(sipp.code, sipp.errors).toBe(0);
    expect(app.consoleErrors).toEqual([]);
  });

  test('the saved password can be removed after a confirmation; the form’s unsaved changes are not saved with it', async ({ app, bridge }) => {
    const { page } = app;
    await app.goto('/settings');
    await expect(page.getByTestId('gateway-password-remove')).toHaveCount(0);
    await field(page, 'gateway-host').fill('pbx.example.test');
    await field(page, 'gateway-password').fill('Secret-55');
    await page.getByTestId('gateway-save').click();
    await expect(page.getByTestId('gateway-password')).toContainText('Saved');

    await field(page, 'gateway-host').fill('other.example.test');
    await page.getByTestId('gateway-password-remove').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('Remove the saved password?');
    await dialog.getByTestId('confirm-cancel').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('gateway-password')).toContainText('Saved');

    await page.getByTestId('gateway-password-remove').click();
    await dialog.getByTestId('confirm-ok').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('gateway-password')).toContainText('Not set');
    await expect(page.getByTestId('gateway-password-remove')).toHaveCount(0);
    await expect(field(page, 'gateway-host')).toHaveValue('other.example.test');
    const stored = await bridge.core.dispatch('gateway.get', {});
    expect(stored.ok && stored.value).toMatchObject({ host: 'pbx.example.test', passwordSet: false });

    await page.reload();
    await expect(field(page, 'gateway-host')).toHaveValue('pbx.example.test');
    await expect(page.getByTestId('gateway-password')).toContainText('Not set');
    expect(app.consoleErrors).toEqual([]);
  });

  test('a wrong value is shown at its field and nothing is saved; the core’s refusal is shown too', async ({ app, bridge }) => {
    const { page } = app;
    await app.goto('/settings');
    await field(page, 'gateway-host').fill('pbx.example.test');
    await field(page, 'gateway-port').fill('70000');
    await expect(page.getByTestId('gateway-port')).toContainText('Enter a whole number from 1 to 65535');
    await expect(page.getByTestId('gateway-invalid')).toContainText('Port');
    await expect(page.getByTestId('gateway-save')).toBeDisabled();

    await field(page, 'gateway-port').fill('5070');
    await expect(page.getByTestId('gateway-invalid')).toHaveCount(0);
    await page.getByTestId('gateway-advanced-toggle').click();
    await field(page, 'gateway-rtp-port-min').fill('30000');
    await field(page, 'gateway-rtp-port-max').fill('20000');
    await expect(page.getByTestId('gateway-rtp-port-max')).toContainText('must be higher than the first');
    await expect(page.getByTestId('gateway-invalid')).toContainText('RTP ports to');
    await expect(page.getByTestId('gateway-save')).toBeDisabled();

    // Valid for the form, but too few ports for 10 channels: the core refuses it (gateway.rtpRangeTooSmall).
    await field(page, 'gateway-rtp-port-min').fill('20000');
    await field(page, 'gateway-rtp-port-max').fill('20010');
    await expect(page.getByTestId('gateway-save')).toBeEnabled();
    await page.getByTestId('gateway-save').click();
    await expect(page.getByTestId('gateway-save-error')).toContainText('widen it to at least 20 ports');
    await expect(page.getByTestId('gateway-saved')).toHaveCount(0);

    const stored = await bridge.core.dispatch('gateway.get', {});
    expect(stored.ok && stored.value).toMatchObject({ host: '', port: 5060, rtpPortMin: 20000, rtpPortMax: 20999 });
    await page.reload();
    await expect(field(page, 'gateway-host')).toHaveValue('');
    await expect(field(page, 'gateway-port')).toHaveValue('5060');
    expect(app.consoleErrors).toEqual([]);
  });

  test('a gateway that refuses the connection is reported as not reachable, at once', async ({ app, bridge }) => {
    const { page } = app;
    await addRecording(bridge.core, 'Promo');
    // Nothing listens there: TCP is refused at once, where UDP would wait out Timer F (64*T1).
    const closed = await freePort('tcp');
    await app.goto('/settings');
    await fillSipGateway(page, closed, 'tcp');
    await page.getByTestId('gateway-save').click();
    await expect(page.getByTestId('gateway-saved')).toContainText(`127.0.0.1:${closed} (TCP)`);

    const started = Date.now();
    await page.getByTestId('gateway-test').click();
    const result = page.getByTestId('gateway-test-result');
    await expect(result).toContainText('Not reachable');
    expect(Date.now() - started).toBeLessThan(10_000);
    // The same translated sentence as the test call's below: one coded problem, sip.connectionRefused.
    const refused = `The gateway at 127.0.0.1:${closed} refused the connection: nothing answers SIP there over this transport. Check the host, port and transport in Settings > Gateway.`;
    await expect(page.getByTestId('gateway-test-problem')).toHaveText(refused);
    await expect(page.getByTestId('gateway-test-status')).toHaveText('—');
    await expect(page.getByTestId('gateway-trace').getByTestId('sip-trace-entry')).toHaveCount(1);
    await expect(page.getByTestId('gateway-trace')).toContainText(`to tcp:127.0.0.1:${closed}`);

    await field(page, 'gateway-call-to').fill('081234560011');
    await page.getByTestId('gateway-call').click();
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Failed');
    await expect(page.getByTestId('gateway-call-problems')).toHaveText(refused);
    await expect(page.getByTestId('gateway-call-status')).toHaveText('—');

    // The core's problem codes are translated, in the language chosen now.
    await page.getByTestId('locale-menu').click();
    await page.getByTestId('locale-id').click();
    await expect(page.getByTestId('gateway-test-result')).toContainText('Tidak terjangkau');
    const menolak = `Gateway di 127.0.0.1:${closed} menolak koneksi: tidak ada yang menjawab SIP di sana lewat transport ini. Periksa host, port, dan transport di Pengaturan > Gateway.`;
    await expect(page.getByTestId('gateway-test-problem')).toHaveText(menolak);
    await expect(page.getByTestId('gateway-call-outcome')).toHaveText('Gagal');
    await expect(page.getByTestId('gateway-call-problems')).toHaveText(menolak);
    expect(app.consoleErrors).toEqual([]);
  });
});
