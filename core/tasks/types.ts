import type { CallReport, SipTraceEntry } from '../../shared/types.js';

export type { CallReport } from '../../shared/types.js';

/** What the engine asks a gateway for: one call to a number, playing a recording, until done or aborted. */
export interface PlaceCallRequest {
  to: string; // E.164
  recordingId: number;
  signal: AbortSignal;
}

/**
 * The telephony gateway as the task engine sees it: the SIP gateway, or the
 * dry-run gateway that places no real calls. The engine owns the limits.
 * A call answers its CallReport and, from a real gateway, its SIP messages,
 * which are stored for support.
 */
export interface CallPlacer {
  readonly dryRun: boolean;
  readonly channels: number;
  readonly callsPerSecond: number;
  call(request: PlaceCallRequest): Promise<CallReport & { trace?: SipTraceEntry[] }>;
}
