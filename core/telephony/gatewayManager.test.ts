import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewaySettings } from '../../shared/types.js';
import { freePort } from '../../tests/support/sipp.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { silentLogger } from '../log.js';
import { DEFAULT_GATEWAY } from '../settings/gatewaySettings.js';
import { FakeMediaFactory } from './gateway/testing/fakeMedia.js';
import { GatewayManager } from './gatewayManager.js';
import { SipCallPlacer } from './sipPlacer.js';

/**
 * The gateway's lifecycle beside the composition root: which placer a task
 * gets, when the SIP gateway is built again, and that a retired one stops.
 * Against 127.0.0.1 over TCP where nothing listens, without REGISTER, so the
 * gateway starts "ready" and no packet leaves the machine.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function manager(start: Partial<GatewaySettings> = {}) {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const payload = join(tmp.dir, 'payload');
  writeFileSync(payload, new Uint8Array(160));
  const port = await freePort('tcp');
  let settings: GatewaySettings = { ...DEFAULT_GATEWAY, host: '127.0.0.1', port, transport: 'tcp', localAddress: '127.0.0.1', ...start };
  let wakes = 0;
  const checked: number[] = [];
  const gateways = new GatewayManager({
    settings: { settings: () => settings, password: () => 'secret' },
    log: silentLogger,
    payloadPath: () => payload,
    checkRecording: (id) => void checked.push(id),
    onStateChange: () => (wakes += 1),
    dryRun: { channels: 3, callMs: 0, seed: 1 },
    media: new FakeMediaFactory(),
  });
  cleanups.push(() => gateways.close());
  return {
    gateways,
    checked,
    wakes: () => wakes,
    set: (changes: Partial<GatewaySettings>) => (settings = { ...settings, ...changes }),
  };
}

describe('GatewayManager', () => {
  it('gives dry-run tasks the dry run, and real tasks nothing until Settings > Gateway is on SIP', async () => {
    const { gateways } = await manager({ mode: 'dryRun' });
    expect(gateways.placer(true)).toBe(gateways.dryRun);
    expect(gateways.placer(false)).toBeNull();
    expect(gateways.isDryRun()).toBe(true);
    expect(gateways.channelLimit()).toBe(3);
    expect(gateways.state()).toEqual({ gateway: 'dryRun', state: 'dryRun', error: null });
  });

  it('keeps one SIP gateway while the settings stay, builds another after a save, and retires the old one', async () => {
    const { gateways, set, wakes } = await manager({ mode: 'sip', channels: 7 });
    const first = gateways.placer(false);
    expect(first).toBeInstanceOf(SipCallPlacer);
    expect(gateways.placer(false)).toBe(first);
    expect(gateways.channelLimit()).toBe(7);
    await expect.poll(() => gateways.state().state).toBe('ready');
    expect(wakes()).toBeGreaterThan(0);

    // A save with the same settings (a new password) still makes a new gateway.
    gateways.saved();
    const second = gateways.placer(false);
    expect(second).not.toBe(first);
    expect((first as SipCallPlacer).state).toBe('stopped');

    // Back to dry run: the SIP gateway stops and real tasks wait.
    set({ mode: 'dryRun' });
    expect(gateways.placer(false)).toBeNull();
    expect((second as SipCallPlacer).state).toBe('stopped');
  });

  it('refuses a test or a test call before any socket opens when the host or the number is missing', async () => {
    const { gateways, checked } = await manager({ mode: 'sip', host: '' });
    await expect(gateways.test()).rejects.toMatchObject({ code: 'gateway.hostMissing' });
    await expect(gateways.testCall('not a number', 5)).rejects.toMatchObject({ code: 'gateway.badNumber' });
    expect(checked).toEqual([]);
  });

  it('places a dry run’s test call on a gateway of its own and closes it; Cancel has nothing to end afterwards', async () => {
    const { gateways, checked } = await manager({ mode: 'dryRun' });
    const result = await gateways.testCall('0812-3456-7890', 5);
    expect(checked).toEqual([5]);
    // Nothing listens on the port: the call fails as the gateway test would say, and was not cancelled by the user.
    expect(result).toMatchObject({ cancelledByUser: false, finalStatus: null });
    expect(result.errors[0]?.code).toBe('sip.connectionRefused');
    gateways.cancelTestCalls();
    expect(gateways.placer(false)).toBeNull();
  });
});
