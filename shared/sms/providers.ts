import type { SmsProvider } from '../types.js';

export interface SmsProviderSpec {
  /** Non-secret settings, in the order the form shows them. */
  config: readonly string[];
  /** Fields stored encrypted; never sent back to the renderer. */
  secrets: readonly string[];
  required: readonly string[];
  defaults: Readonly<Record<string, string>>;
}

/** Where each secret is kept in the encrypted secrets table: sms.twilio.authToken, ... */
export function smsSecretName(provider: SmsProvider, field: string): string {
  return `sms.${provider}.${field}`;
}

/**
 * Every provider's "Allow insecure http" setting ('true' or 'false', off by
 * default): plain http:// is otherwise refused except to this computer,
 * since the request carries the credentials (docs/DOMAIN.md, "Where
 * credentials may go"). The form shows it as a checkbox with a warning.
 */
export const ALLOW_INSECURE_HTTP = 'allowInsecureHttp';

/**
 * The fields each provider needs (docs/DOMAIN.md, "SMS providers"). Every base
 * URL is configurable so a test server or a regional endpoint can be used.
 */
export const SMS_PROVIDERS: Readonly<Record<SmsProvider, SmsProviderSpec>> = {
  twilio: {
    config: ['baseUrl', 'accountSid', 'from', ALLOW_INSECURE_HTTP],
    secrets: ['authToken'],
    required: ['baseUrl', 'accountSid', 'from', 'authToken'],
    defaults: { baseUrl: 'https://api.twilio.com', allowInsecureHttp: 'false' },
  },
  vonage: {
    config: ['baseUrl', 'apiKey', 'from', ALLOW_INSECURE_HTTP],
    secrets: ['apiSecret'],
    required: ['baseUrl', 'apiKey', 'from', 'apiSecret'],
    defaults: { baseUrl: 'https://rest.nexmo.com', allowInsecureHttp: 'false' },
  },
  infobip: {
    config: ['baseUrl', 'from', ALLOW_INSECURE_HTTP],
    secrets: ['apiKey'],
    required: ['baseUrl', 'apiKey'],
    defaults: { baseUrl: 'https://api.infobip.com', allowInsecureHttp: 'false' },
  },
  zenziva: {
    config: ['baseUrl', 'userkey', ALLOW_INSECURE_HTTP],
    secrets: ['passkey'],
    required: ['baseUrl', 'userkey', 'passkey'],
    defaults: { baseUrl: 'https://console.zenziva.net/reguler', allowInsecureHttp: 'false' },
  },
  generic: {
    // GoIP-style gateways: GET /default/en_US/send.html?u=&p=&l=&n=&m=, answer "Sending ... ID:n" or "error".
    // Placeholders in urlTemplate and bodyTemplate: {to} (E.164), {toLocal} (0812...), {message}, {username}, {password}, {from}.
    // Delivery: an optional status URL with {messageId}, read with the delivered / undelivered patterns.
    config: ['method', 'urlTemplate', 'bodyTemplate', 'contentType', 'username', 'from', 'successPattern', 'statusUrlTemplate', 'deliveredPattern', 'undeliveredPattern', ALLOW_INSECURE_HTTP],
    secrets: ['password'],
    required: ['method', 'urlTemplate', 'successPattern'],
    defaults: {
      method: 'GET',
      urlTemplate: 'http://192.168.1.10/default/en_US/send.html?u={username}&p={password}&l=1&n={to}&m={message}',
      bodyTemplate: '',
      contentType: 'application/x-www-form-urlencoded',
      username: '',
      from: '',
      successPattern: 'Sending',
      // GoIP gateways speak only http: the user turns this on, and the form warns.
      allowInsecureHttp: 'false',
      statusUrlTemplate: '',
      deliveredPattern: 'DELIVERED',
      undeliveredPattern: 'FAILED|UNDELIVERED|REJECTED|EXPIRED',
    },
  },
};

/**
 * Whether the provider's API lets the app ask if a message was delivered
 * (docs/DOMAIN.md "SMS providers"). Twilio and Infobip do. Vonage's SMS API
 * reports delivery only by calling a webhook, which a desktop app without a
 * public address cannot receive; Zenziva documents no status look-up; a
 * generic gateway does when a status URL is set.
 */
export function smsDeliveryLookup(provider: SmsProvider, config: Readonly<Record<string, string>>): boolean {
  if (provider === 'twilio' || provider === 'infobip') return true;
  if (provider === 'generic') return (config.statusUrlTemplate ?? '').trim() !== '';
  return false;
}

export const SMS_PROVIDER_NAMES = Object.keys(SMS_PROVIDERS) as SmsProvider[];
