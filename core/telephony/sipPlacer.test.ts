import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../tests/support/sipp.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import type { GatewaySettings } from '../../shared/types.js';
import { DEFAULT_GATEWAY } from '../settings/gatewaySettings.js';
import { silentLogger } from '../log.js';
import { FakeMediaFactory } from './gateway/testing/fakeMedia.js';
import { SipCallPlacer, toGatewayConfig } from './sipPlacer.js';

/**
 * Why the placer offers no channels, as engine.status shows it in the
 * Scheduler's banner: the same coded problems a call or the gateway test
 * reports, against a TCP port where nothing listens (refused at once).
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A placer for 127.0.0.1:port over TCP; `changed()` resolves at its next state change. */
function placer(port: number, changes: Partial<GatewaySettings> = {}): { placer: SipCallPlacer; changed: () => Promise<void> } {
  const tmp = makeTempDir();
  cleanups.push(tmp.cleanup);
  const payload = join(tmp.dir, 'payload');
  writeFileSync(payload, new Uint8Array(160));
  const settings: GatewaySettings = { ...DEFAULT_GATEWAY, mode: 'sip', host: '127.0.0.1', port, transport: 'tcp', localAddress: '127.0.0.1', ...changes };
  let notify = (): void => undefined;
  const sip = new SipCallPlacer(settings, toGatewayConfig(settings, 'secret'), {
    media: new FakeMediaFactory(),
    payloadPath: () => payload,
    log: silentLogger,
    onStateChange: () => notify(),
  });
  cleanups.push(() => sip.close());
  return { placer: sip, changed: () => new Promise((resolve) => (notify = resolve)) };
}

describe('SipCallPlacer: why the gateway is not ready', () => {
  it('a registration the gateway refused to connect: unreachable with sip.connectionRefused for the REGISTER', async () => {
    const port = await freePort('tcp');
    const { placer: sip, changed } = placer(port, { register: true, username: 'office' });
    await changed();
    expect(sip.state).toBe('unreachable');
    expect(sip.channels).toBe(0);
    expect(sip.error).toMatchObject({ code: 'sip.connectionRefused', params: { address: `127.0.0.1:${port}`, request: 'REGISTER' } });
  });

  it('three calls in a row the gateway never answered: unreachable with the last call’s own problem', async () => {
    const port = await freePort('tcp');
    const { placer: sip, changed } = placer(port);
    await changed();
    expect(sip.state).toBe('ready');
    expect(sip.error).toBeNull();
    const unreachable = changed();
    for (let i = 0; i < 3; i++) await sip.call({ to: '+6281234567890', recordingId: 1, signal: new AbortController().signal });
    await unreachable;
    expect(sip.state).toBe('unreachable');
    expect(sip.error).toMatchObject({ code: 'sip.connectionRefused', params: { address: `127.0.0.1:${port}`, request: 'INVITE' } });
  });
});
