import type { SmsProvider } from '../../../shared/types.js';
import { genericClient } from './generic.js';
import { infobipClient } from './infobip.js';
import type { SmsClient, SmsClientOptions } from './types.js';
import { twilioClient } from './twilio.js';
import { vonageClient } from './vonage.js';
import { zenzivaClient } from './zenziva.js';

export type { SmsClient, SmsClientOptions, SmsMessage } from './types.js';
export type { DeliveryCheck } from './status.js';

/**
 * The client for one provider from its settings and secrets merged into one
 * record (field names as in shared/sms/providers.ts). Missing optional
 * fields are empty strings; the account service has checked the required ones.
 */
export function createSmsClient(provider: SmsProvider, fields: Readonly<Record<string, string>>, options: SmsClientOptions = {}): SmsClient {
  const f = (name: string) => fields[name] ?? '';
  switch (provider) {
    case 'twilio':
      return twilioClient({ baseUrl: f('baseUrl'), accountSid: f('accountSid'), from: f('from'), authToken: f('authToken') }, options);
    case 'vonage':
      return vonageClient({ baseUrl: f('baseUrl'), apiKey: f('apiKey'), apiSecret: f('apiSecret'), from: f('from') }, options);
    case 'infobip':
      return infobipClient({ baseUrl: f('baseUrl'), apiKey: f('apiKey'), from: f('from') }, options);
    case 'zenziva':
      return zenzivaClient({ baseUrl: f('baseUrl'), userkey: f('userkey'), passkey: f('passkey') }, options);
    case 'generic':
      return genericClient(
        {
          method: f('method').toUpperCase() === 'POST' ? 'POST' : 'GET',
          urlTemplate: f('urlTemplate'),
          bodyTemplate: f('bodyTemplate'),
          contentType: f('contentType'),
          username: f('username'),
          password: f('password'),
          from: f('from'),
          successPattern: f('successPattern'),
          statusUrlTemplate: f('statusUrlTemplate'),
          deliveredPattern: f('deliveredPattern'),
          undeliveredPattern: f('undeliveredPattern'),
        },
        options,
      );
  }
}
