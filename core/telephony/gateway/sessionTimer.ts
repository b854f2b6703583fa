import { expiryGuardMs, MIN_SE_FLOOR, optionTags, sessionExpiresOf } from '../sip/extensions.js';
import type { SipHeader, SipRequest, SipResponse } from '../sip/message.js';
import type { TimerHandle, Timers } from '../sip/timers.js';

/** What the session timer asks of its call. */
export interface SessionTimerEvents {
  /** Half the interval has passed and we are the refresher: send a refresh (RFC 4028 §7.4/§9). */
  refreshDue(seconds: number): void;
  /** The peer was the refresher and no refresh came in time: end the call (§10). */
  expired(seconds: number): void;
}

/** How the UAS of a session refresh answers it (§9): refuse below Min-SE, or the 2xx's headers and the timer to arm once it is sent. */
export type RefreshAnswer = { ok: true; headers: SipHeader[]; apply: () => void } | { ok: false; status: 422; headers: SipHeader[] };

/**
 * The RFC 4028 session timer of one confirmed dialog: who refreshes, and
 * the one timer that is armed: the refresh at half the interval when we
 * refresh, else the hang-up a third of the interval (at most 32 s) before
 * the session expires (§10). Each successful refresh, either way, re-arms it.
 */
export class SessionTimer {
  private handle: TimerHandle | null = null;
  private interval: number | null = null;

  constructor(
    private readonly timers: Timers,
    private readonly events: SessionTimerEvents,
  ) {}

  /** The current interval in seconds, null while no session timer runs. */
  get seconds(): number | null {
    return this.interval;
  }

  start(seconds: number, weRefresh: boolean): void {
    this.stop();
    this.interval = seconds;
    this.handle = weRefresh
      ? this.timers.setTimeout(() => this.events.refreshDue(seconds), (seconds * 1000) / 2)
      : this.timers.setTimeout(() => this.events.expired(seconds), expiryGuardMs(seconds));
  }

  stop(): void {
    this.timers.clearTimeout(this.handle);
    this.handle = null;
    this.interval = null;
  }

  /**
   * A 2xx to a request of ours that offered timers (the INVITE, §7.2, or a
   * refresh): its Session-Expires sets the interval and we, the UAC, refresh
   * unless it names the UAS; without Session-Expires there is no timer.
   */
  fromResponse(response: SipResponse): void {
    const granted = sessionExpiresOf(response);
    if (granted) this.start(granted.seconds, granted.refresher !== 'uas');
    else this.stop();
  }

  /**
   * §9, as the UAS of a session refresh (re-INVITE or UPDATE): an interval
   * below our Min-SE is refused with 422; otherwise the 2xx repeats it with
   * the refresher: the one the request named, else the requester when it
   * supports timers, else us. A refresh without Session-Expires turns the
   * timer off. `apply` arms the timer once the 2xx has gone.
   */
  answer(request: SipRequest): RefreshAnswer {
    const asked = sessionExpiresOf(request);
    if (!asked) return { ok: true, headers: [], apply: () => this.stop() };
    if (asked.seconds < MIN_SE_FLOOR) return { ok: false, status: 422, headers: [{ name: 'Min-SE', value: String(MIN_SE_FLOOR) }] };
    const refresher = asked.refresher ?? (optionTags(request, 'Supported').has('timer') ? 'uac' : 'uas');
    const headers: SipHeader[] = [{ name: 'Session-Expires', value: `${asked.seconds};refresher=${refresher}` }];
    // §9: a requester that is to refresh is told that the extension is in use.
    if (refresher === 'uac') headers.push({ name: 'Require', value: 'timer' });
    return { ok: true, headers, apply: () => this.start(asked.seconds, refresher === 'uas') };
  }
}

/** The headers of a refresh we send as the refresher (§7.4): the interval, with us (the UAC of the refresh) refreshing. */
export function refreshHeaders(seconds: number): SipHeader[] {
  return [
    { name: 'Session-Expires', value: `${seconds};refresher=uac` },
    { name: 'Min-SE', value: String(Math.min(seconds, MIN_SE_FLOOR)) },
  ];
}
