import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../sip/message.js';
import { chooseRedirectTarget } from './redirect.js';

function redirect(...contacts: string[]): SipResponse {
  return { kind: 'response', status: 302, reason: 'Moved Temporarily', headers: contacts.map((value) => ({ name: 'Contact', value })), body: '' };
}

describe('chooseRedirectTarget (RFC 3261 §8.1.3.4)', () => {
  const first = 'sip:+6281234567890@gw.example:5070';

  it('takes the highest q first, then the order given; absent q counts as 1', () => {
    const response = redirect('<sip:a@192.0.2.1>;q=0.2', '<sip:b@192.0.2.2>;q=0.7, <sip:c@192.0.2.3>', '<sip:d@192.0.2.4>');
    expect(chooseRedirectTarget(response, [first], 0, 'udp')).toEqual({ ok: true, target: 'sip:c@192.0.2.3', contact: 'sip:c@192.0.2.3' });
  });

  it('copies the URI without its method parameter and ?headers', () => {
    const choice = chooseRedirectTarget(redirect('<sip:x@192.0.2.1:5080;method=INVITE;user=phone?Subject=hi>'), [first], 0, 'udp');
    expect(choice).toMatchObject({ ok: true, target: 'sip:x@192.0.2.1:5080;user=phone' });
  });

  it('skips what it cannot call and says why the first refused one was refused', () => {
    expect(chooseRedirectTarget(redirect('<tel:+6281111>', '<sip:y@192.0.2.1;transport=TCP>'), [first], 0, 'tcp')).toMatchObject({ ok: true, target: 'sip:y@192.0.2.1;transport=TCP' });
    expect(chooseRedirectTarget(redirect('<sip:y@192.0.2.1;transport=tcp>'), [first], 0, 'udp')).toEqual({ ok: false, why: 'otherTransport', contact: 'sip:y@192.0.2.1;transport=tcp' });
    expect(chooseRedirectTarget(redirect('<sips:y@192.0.2.1>'), [first], 0, 'udp')).toMatchObject({ ok: false, why: 'notSip' });
    expect(chooseRedirectTarget(redirect(), [first], 0, 'udp')).toEqual({ ok: false, why: 'noContact', contact: '' });
  });

  it('a target already tried is a loop, with the default port 5060 and the host case ignored', () => {
    const tried = [first, 'sip:hop@192.0.2.9'];
    expect(chooseRedirectTarget(redirect('<sip:hop@192.0.2.9:5060;transport=udp>'), tried, 1, 'udp')).toMatchObject({ ok: false, why: 'loop' });
    expect(chooseRedirectTarget(redirect('<sip:+6281234567890@GW.example:5070>'), tried, 1, 'udp')).toMatchObject({ ok: false, why: 'loop' });
    expect(chooseRedirectTarget(redirect('<sip:hop@192.0.2.9:5061>'), tried, 1, 'udp')).toMatchObject({ ok: true });
  });

  it('stops after three redirects', () => {
    expect(chooseRedirectTarget(redirect('<sip:z@192.0.2.1>'), [first], 3, 'udp')).toEqual({ ok: false, why: 'tooManyHops', contact: 'sip:z@192.0.2.1' });
  });
});
