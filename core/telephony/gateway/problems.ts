import type { AppErrorShape } from '../../../shared/result.js';
import { problem } from '../../errors.js';
import { destinationKey, type Destination } from '../sip/transport.js';

type TransportFailure = (address: string, request: string) => AppErrorShape;

// `request` ("INVITE", "REGISTER") rides along in the params: the sentence stays the one stored rows were written with.
const refused: TransportFailure = (address, request) => problem('sip.connectionRefused', { address, request });
const unreachable: TransportFailure = (address, request) => problem('sip.networkUnreachable', { address, request });
const lost: TransportFailure = (address, request) => problem('sip.connectionLost', { address, request });

/**
 * Socket errors a SIP request can meet, by their Node.js code, each with its
 * own translated message; any other one stays `sip.transportError` with the
 * system's text as the detail. Host names are resolved when the gateway
 * starts, so no DNS error reaches a call.
 */
const TRANSPORT_FAILURES: Readonly<Record<string, TransportFailure>> = {
  ECONNREFUSED: refused,
  ETIMEDOUT: (address, request) => problem('sip.connectTimeout', { address, request }),
  EHOSTUNREACH: unreachable,
  ENETUNREACH: unreachable,
  EADDRNOTAVAIL: unreachable,
  ECONNRESET: lost,
  EPIPE: lost,
};

/**
 * The problems that mean the gateway never answered at all (as opposed to
 * answering with a refusal): three calls in a row with one of these and the
 * placer stops offering channels until the gateway answers again.
 */
export const GATEWAY_SILENT: ReadonlySet<string> = new Set([
  'sip.noResponse',
  'sip.transportError',
  'sip.connectionRefused',
  'sip.connectTimeout',
  'sip.networkUnreachable',
  'sip.connectionLost',
]);

/** A failed send to `to` as a call problem; `request` names what was being sent ("INVITE", "BYE"). */
export function transportProblem(error: Error, to: Destination, request: string): AppErrorShape {
  const address = destinationKey(to);
  const known = TRANSPORT_FAILURES[(error as NodeJS.ErrnoException).code ?? ''];
  if (known) return known(address, request);
  return problem('sip.transportError', { address, request, detail: error.message });
}
