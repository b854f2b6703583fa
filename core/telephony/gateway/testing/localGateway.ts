import type { GatewayConfig } from '../config.js';

/**
 * The gateway settings the gateway tests start from: a peer on the loopback
 * (sipp, kamailio or a scripted socket) at `port`, UDP, no registration,
 * E.164 numbers. Each test overrides what it is about.
 */
export function localGatewayConfig(port: number, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    host: '127.0.0.1',
    port,
    transport: 'udp',
    localAddress: '127.0.0.1',
    rtpPortRange: [30000, 30999],
    callerId: { user: '02150001' },
    codecs: ['PCMA', 'PCMU'],
    register: false,
    registerExpires: 300,
    ringTimeoutMs: 10_000,
    numberFormat: 'e164',
    ...overrides,
  };
}
