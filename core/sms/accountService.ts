import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { ALLOW_INSECURE_HTTP, SMS_PROVIDERS, SMS_PROVIDER_NAMES, smsSecretName } from '../../shared/sms/providers.js';
import type { SmsAccountView, SmsProvider, SmsSendResult } from '../../shared/types.js';
import type { CoreContext } from '../context.js';
import { AppError } from '../errors.js';
import { checkOutboundUrl, type OutboundPolicy } from '../net/outbound.js';
import { GENERIC_PLACEHOLDERS, compileSuccessPattern, fillStatusUrl, fillTemplate } from './providers/generic.js';
import { createSmsClient, type SmsClient } from './providers/index.js';

export const TEST_SMS_TEXT = 'AutoCall Scheduler test message';

export interface SmsAccountInput {
  provider: SmsProvider;
  active: boolean;
  config: Record<string, string>;
  /** A secret left out keeps its stored value; an empty string clears it. */
  secrets: Record<string, string>;
}

export interface SmsAccountServiceOptions {
  /** Waits between retries of a provider request; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

interface AccountRow {
  provider: SmsProvider;
  config: string;
  active: number;
  updated_at: number;
}

/**
 * Checks a base URL: an http(s) address without credentials in it (fetch
 * refuses those, and config is shown back), to a host credentials may go to
 * (core/net/outbound.ts; the addresses a name resolves to are checked again
 * at each send, when they are connected to).
 */
function checkHttpUrl(field: string, value: string, policy: OutboundPolicy): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('smsAccount.badUrl', `The ${field} "${value}" is not a web address. Enter it as https://host[:port][/path].`, { field, value });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('smsAccount.badUrl', `The ${field} "${value}" must start with http:// or https://.`, { field, value });
  }
  if (url.username || url.password) {
    throw new AppError('smsAccount.urlCredentials', `The ${field} must not contain a user name or password; put them in their own fields.`, { field });
  }
  checkOutboundUrl(url, policy, 'smsAccount', field);
}

function outboundPolicy(config: Record<string, string>): OutboundPolicy {
  return { allowInsecureHttp: config[ALLOW_INSECURE_HTTP] === 'true' };
}

/**
 * Settings > SMS account: one provider account (one row in sms_account).
 * Non-secret settings are stored as JSON in the row; secrets are stored
 * encrypted by ctx.secrets under sms.{provider}.{field} and never leave the
 * core (the view says only which ones are set).
 *
 * Switching to another provider deletes the previous provider's secrets:
 * its settings are replaced in the same save (the row holds one provider's
 * settings), so its credentials could no longer be used and would only be a
 * stored credential nobody sees. Switching back means entering them again.
 */
export class SmsAccountService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly options: SmsAccountServiceOptions = {},
  ) {}

  get(): SmsAccountView | null {
    const row = this.row();
    if (!row) return null;
    const spec = SMS_PROVIDERS[row.provider];
    return {
      provider: row.provider,
      active: row.active === 1,
      config: JSON.parse(row.config) as Record<string, string>,
      secretsSet: Object.fromEntries(spec.secrets.map((f) => [f, this.ctx.secrets.has(smsSecretName(row.provider, f))])),
      updatedAt: row.updated_at,
    };
  }

  save(input: SmsAccountInput): SmsAccountView {
    const { provider } = input;
    if (!SMS_PROVIDER_NAMES.includes(provider)) {
      throw new AppError('smsAccount.unknownProvider', `"${String(provider)}" is not a supported SMS provider. Choose one of ${SMS_PROVIDER_NAMES.join(', ')}.`, { provider: String(provider) });
    }
    const spec = SMS_PROVIDERS[provider];
    for (const key of Object.keys(input.config)) {
      if (!spec.config.includes(key)) {
        throw new AppError('smsAccount.unknownField', `"${key}" is not a setting of ${provider}. Its settings are: ${spec.config.join(', ')}.`, { field: key, provider });
      }
    }
    for (const key of Object.keys(input.secrets)) {
      if (!spec.secrets.includes(key)) {
        throw new AppError('smsAccount.unknownField', `"${key}" is not a secret of ${provider}. Its secrets are: ${spec.secrets.join(', ')}.`, { field: key, provider });
      }
    }

    // A field left out takes the provider's default; one sent empty stays empty (and may then be missing).
    const config: Record<string, string> = {};
    for (const field of spec.config) config[field] = (input.config[field] ?? spec.defaults[field] ?? '').trim();
    const sameProvider = this.row()?.provider === provider;
    const secrets: Record<string, string | null> = {};
    for (const field of spec.secrets) {
      const given = input.secrets[field];
      secrets[field] = given !== undefined ? given.trim() || null : sameProvider ? (this.ctx.secrets.get(smsSecretName(provider, field)) ?? null) : null;
    }

    for (const field of spec.required) {
      const value = spec.secrets.includes(field) ? secrets[field] : config[field];
      if (!value) {
        throw new AppError('smsAccount.missingField', `The ${field} of the ${provider} account is empty. Fill it in; every provider's credentials are on its dashboard.`, { field, provider });
      }
    }
    this.checkValues(provider, config);

    const now = this.ctx.clock.now();
    this.ctx.db.transaction(() => {
      this.ctx.db
        .prepare(
          `INSERT INTO sms_account (id, provider, config, active, updated_at) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, config = excluded.config, active = excluded.active, updated_at = excluded.updated_at`,
        )
        .run(provider, JSON.stringify(config), input.active ? 1 : 0, now);
      for (const other of SMS_PROVIDER_NAMES) {
        if (other === provider) continue;
        for (const field of SMS_PROVIDERS[other].secrets) this.ctx.secrets.delete(smsSecretName(other, field));
      }
      for (const [field, value] of Object.entries(secrets)) {
        if (value === null) this.ctx.secrets.delete(smsSecretName(provider, field));
        else this.ctx.secrets.set(smsSecretName(provider, field), value);
      }
    })();
    this.ctx.log.info('sms account saved', { provider, active: input.active });
    return this.get() as SmsAccountView;
  }

  /** The client the task engine sends with: only while the account is active. */
  client(): SmsClient {
    const row = this.requireRow();
    if (row.active !== 1) {
      throw new AppError('smsAccount.inactive', 'The SMS account is switched off, so no SMS is sent. Switch it on in Settings > SMS account.');
    }
    return this.buildClient(row);
  }

  /**
   * The client that asks about delivery of messages sent through `provider`,
   * or null when the saved account is now another provider (its message IDs
   * mean nothing there) or there is none. Switched off or not, messages
   * already sent are still followed up.
   */
  statusClient(provider: string): SmsClient | null {
    const row = this.row();
    if (!row || row.provider !== provider) return null;
    return this.buildClient(row);
  }

  /** Sends one message through the saved account (active or not), to try the settings. */
  async test(input: { to: string; text?: string }): Promise<SmsSendResult> {
    const client = this.buildClient(this.requireRow());
    const parsed = parsePhoneNumberFromString(input.to.trim(), 'ID');
    if (!parsed || !parsed.isValid()) {
      throw new AppError('sms.badNumber', `"${input.to}" is not a valid phone number. Type it as 0812-3456-7890 or +62 812 3456 7890.`, { number: input.to });
    }
    const text = input.text?.trim() || TEST_SMS_TEXT;
    return client.send({ to: parsed.number, text });
  }

  private buildClient(row: AccountRow): SmsClient {
    const spec = SMS_PROVIDERS[row.provider];
    const fields: Record<string, string> = { ...(JSON.parse(row.config) as Record<string, string>) };
    for (const field of spec.secrets) fields[field] = this.ctx.secrets.get(smsSecretName(row.provider, field)) ?? '';
    return createSmsClient(row.provider, fields, {
      ...(this.ctx.fetch ? { fetch: this.ctx.fetch } : {}),
      outbound: outboundPolicy(fields),
      log: this.ctx.log,
      now: () => this.ctx.clock.now(),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
  }

  private checkValues(provider: SmsProvider, config: Record<string, string>): void {
    const insecure = (config[ALLOW_INSECURE_HTTP] || 'false').toLowerCase();
    if (insecure !== 'true' && insecure !== 'false') {
      throw new AppError('smsAccount.badFlag', `"Allow insecure http" is true or false, not "${config[ALLOW_INSECURE_HTTP]}".`, { field: ALLOW_INSECURE_HTTP, value: config[ALLOW_INSECURE_HTTP] ?? '' });
    }
    config[ALLOW_INSECURE_HTTP] = insecure;
    const policy = outboundPolicy(config);
    if (config.baseUrl !== undefined) checkHttpUrl('base URL', config.baseUrl, policy);
    if (provider !== 'generic') return;
    const method = config.method?.toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      throw new AppError('smsAccount.badMethod', `The HTTP method must be GET or POST, not "${config.method ?? ''}".`, { value: config.method ?? '' });
    }
    config.method = method;
    const sample = Object.fromEntries(GENERIC_PLACEHOLDERS.map((p) => [p, '1'])) as Parameters<typeof fillTemplate>[1];
    checkHttpUrl('URL template', fillTemplate(config.urlTemplate ?? '', sample, encodeURIComponent), policy);
    if (!/\{message\}/.test(`${config.urlTemplate ?? ''}${method === 'POST' ? (config.bodyTemplate ?? '') : ''}`)) {
      throw new AppError('smsAccount.noMessagePlaceholder', 'Neither the URL template nor the body template contains {message}, so the SMS text would not be sent. Add {message} where the gateway expects the text.');
    }
    if (!/\{(to|toLocal)\}/.test(`${config.urlTemplate ?? ''}${method === 'POST' ? (config.bodyTemplate ?? '') : ''}`)) {
      throw new AppError('smsAccount.noNumberPlaceholder', 'Neither the URL template nor the body template contains {to} or {toLocal}, so the number would not be sent. Add {to} (+62...) or {toLocal} (0812...).');
    }
    if (method === 'GET' && config.bodyTemplate) {
      throw new AppError('smsAccount.bodyWithGet', 'A GET request has no body: clear the body template, or choose POST.');
    }
    try {
      compileSuccessPattern(config.successPattern ?? '');
    } catch (err) {
      if (err instanceof AppError) throw new AppError('smsAccount.badPattern', err.message, err.params);
      throw err;
    }
    this.checkStatusLookup(config, policy);
  }

  /** The generic gateway's optional status URL (issue 10): a web address with {messageId}, and patterns that compile. */
  private checkStatusLookup(config: Record<string, string>, policy: OutboundPolicy): void {
    const template = (config.statusUrlTemplate ?? '').trim();
    if (template === '') return;
    checkHttpUrl('status URL template', fillStatusUrl(template, { messageId: '1', username: '1', password: '1' }), policy);
    if (!template.includes('{messageId}')) {
      throw new AppError('smsAccount.noMessageIdPlaceholder', 'The status URL template has no {messageId}, so the gateway could not tell which message is meant. Add {messageId} where the gateway expects the message ID.');
    }
    for (const field of ['deliveredPattern', 'undeliveredPattern'] as const) {
      const pattern = config[field] ?? '';
      if (field === 'deliveredPattern' && pattern.trim() === '') {
        throw new AppError('smsAccount.missingField', `The ${field} of the generic account is empty. Fill it in; every provider's credentials are on its dashboard.`, { field, provider: 'generic' });
      }
      if (pattern === '') continue;
      try {
        compileSuccessPattern(pattern);
      } catch (err) {
        if (err instanceof AppError) throw new AppError('smsAccount.badPattern', err.message, err.params);
        throw err;
      }
    }
  }

  private row(): AccountRow | undefined {
    return this.ctx.db.prepare('SELECT provider, config, active, updated_at FROM sms_account WHERE id = 1').get() as AccountRow | undefined;
  }

  private requireRow(): AccountRow {
    const row = this.row();
    if (!row) throw new AppError('smsAccount.notSet', 'No SMS account is set up. Enter the provider and its credentials in Settings > SMS account.');
    return row;
  }
}
