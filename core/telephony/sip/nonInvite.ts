import type { SipRequest, SipResponse } from './message.js';
import type { SipStack } from './stack.js';
import type { Destination } from './transport.js';

export type NonInviteOutcome =
  | { kind: 'response'; response: SipResponse }
  | { kind: 'timeout' }
  | { kind: 'transportError'; error: Error };

/**
 * Sends a non-INVITE request in its own client transaction (§17.1.2) and
 * resolves with its final response, a Timer F timeout, or a transport error.
 */
export function sendNonInvite(stack: SipStack, request: SipRequest, to: Destination): Promise<NonInviteOutcome> {
  return new Promise((resolve) => {
    stack.sendRequest(request, to, {
      onResponse: (response) => {
        if (response.status >= 200) resolve({ kind: 'response', response });
      },
      onTimeout: () => resolve({ kind: 'timeout' }),
      onTransportError: (error) => resolve({ kind: 'transportError', error }),
    });
  });
}
