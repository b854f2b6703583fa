import type { GatewaySettings, GatewayView } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { classifyHost, REFUSED_KINDS } from '../../shared/net/address.js';
import { AppError } from '../errors.js';
import { blockedAddressError } from '../net/outbound.js';

export const DEFAULT_GATEWAY: GatewaySettings = {
  mode: 'dryRun',
  host: '',
  port: 5060,
  transport: 'udp',
  username: '',
  authUsername: '',
  callerIdUser: '',
  callerIdName: '',
  outboundProxy: '',
  localAddress: '',
  codecs: ['PCMA', 'PCMU'],
  numberFormat: 'e164',
  register: false,
  channels: 10,
  callsPerSecond: 5,
  ringTimeoutSeconds: 45,
  playTimes: 1,
  rtpPortMin: 20000,
  rtpPortMax: 20999,
  playoutTailMs: 300,
};

const SETTINGS_KEY = 'gateway';
const PASSWORD = 'gateway.password';

/** Settings > Gateway, kept in the settings table; the password only in the encrypted secrets. */
export class GatewaySettingsService {
  constructor(private readonly ctx: CoreContext) {}

  settings(): GatewaySettings {
    const row = this.ctx.db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    return row ? { ...DEFAULT_GATEWAY, ...(JSON.parse(row.value) as Partial<GatewaySettings>) } : { ...DEFAULT_GATEWAY };
  }

  view(): GatewayView {
    return { ...this.settings(), passwordSet: this.ctx.secrets.has(PASSWORD) };
  }

  password(): string | undefined {
    return this.ctx.secrets.get(PASSWORD);
  }

  /** `password` undefined keeps the stored one; an empty string clears it. */
  save(settings: GatewaySettings, password?: string): GatewayView {
    if (settings.mode === 'sip' && !settings.host) {
      throw new AppError('gateway.hostMissing');
    }
    // The SIP credentials go where these point: never a link-local or cloud-metadata address (resolve.ts checks names again after DNS).
    for (const [field, value] of [['gateway host', settings.host], ['outbound proxy', settings.outboundProxy.replace(/:\d+$/, '')]] as const) {
      const kind = value ? classifyHost(value) : 'name';
      if (REFUSED_KINDS.has(kind)) throw blockedAddressError('gateway', field, value, '', kind);
    }
    if (settings.rtpPortMax - settings.rtpPortMin < 2 * settings.channels) {
      throw new AppError('gateway.rtpRangeTooSmall', { needed: 2 * settings.channels });
    }
    this.ctx.db.transaction(() => {
      this.ctx.db
        .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run(SETTINGS_KEY, JSON.stringify(settings));
      if (password === '') this.ctx.secrets.delete(PASSWORD);
      else if (password !== undefined) this.ctx.secrets.set(PASSWORD, password);
    })();
    return this.view();
  }
}
