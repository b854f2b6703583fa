import { z } from 'zod';
import { safeText } from './validation/text.js';

/** Settings > Gateway as both sides validate it (the form as you type, main before storing). */
const host = z.string().trim().max(253).regex(/^[A-Za-z0-9.\-:[\]]*$/, 'host names contain letters, digits, dots, dashes (or an IP address)');

export const gatewaySettingsSchema = z
  .object({
    mode: z.enum(['dryRun', 'sip']),
    host,
    port: z.number().int().min(1).max(65535),
    transport: z.enum(['udp', 'tcp']),
    // No control characters (a CR/LF would end the From or Authorization header: RFC 3261 §7.3.1), no bidi overrides.
    username: safeText(z.string().trim().max(128), 'user name'),
    authUsername: safeText(z.string().trim().max(128), 'authentication user name'),
    callerIdUser: z.string().trim().max(64).regex(/^[A-Za-z0-9+*#._-]*$/, 'the caller ID number holds digits, + * # . _ - only'),
    callerIdName: safeText(z.string().trim().max(64), 'caller ID name').regex(/^[^"\\\r\n]*$/, 'the caller ID name cannot contain quotes, backslashes or line breaks'),
    outboundProxy: z.string().trim().max(260).regex(/^$|^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'the outbound proxy is host:port'),
    localAddress: host,
    codecs: z.array(z.enum(['PCMA', 'PCMU'])).min(1).max(2),
    numberFormat: z.enum(['e164', 'e164NoPlus', 'national']),
    register: z.boolean(),
    channels: z.number().int().min(1).max(1000),
    callsPerSecond: z.number().int().min(1).max(200),
    ringTimeoutSeconds: z.number().int().min(5).max(180),
    playTimes: z.number().int().min(1).max(5),
    rtpPortMin: z.number().int().min(1024).max(65534),
    rtpPortMax: z.number().int().min(1025).max(65535),
    /** Silence after the recording before the BYE, so the callee's jitter buffer plays the end (docs/DOMAIN.md "Playout tail"). */
    playoutTailMs: z.number().int().min(0).max(2000),
  })
  .strict();
