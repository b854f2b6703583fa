import { describe, expect, it } from 'vitest';
import { classifyOutcome, type Outcome } from './outcome.js';
import { parseReasonHeaders, q850CauseOf } from './reason.js';

const facts = (finalStatus: number | null, q850Cause: number | null = null, cancelledByUs = false, answered = false) => ({ finalStatus, q850Cause, cancelledByUs, answered });

describe("classifyOutcome: docs/DOMAIN.md's table", () => {
  const rows: [string, ReturnType<typeof facts>, Outcome][] = [
    ['200 then BYE', facts(200, null, false, true), 'answered'],
    ['486', facts(486), 'busy'],
    ['600', facts(600), 'busy'],
    ['cause 17 alone', facts(503, 17), 'busy'],
    ['480 alone is ambiguous -> no answer', facts(480), 'noAnswer'],
    ['408', facts(408), 'noAnswer'],
    ['cause 18', facts(480, 18), 'noAnswer'],
    ['cause 19', facts(480, 19), 'noAnswer'],
    ['487 after our CANCEL', facts(487, null, true), 'noAnswer'],
    ['CANCEL and no final response', facts(null, null, true), 'noAnswer'],
    ['480 with cause 20', facts(480, 20), 'poweredOff'],
    ['404', facts(404), 'invalidNumber'],
    ['484', facts(484), 'invalidNumber'],
    ['485', facts(485), 'invalidNumber'],
    ['410', facts(410), 'invalidNumber'],
    ['604', facts(604), 'invalidNumber'],
    ['cause 1 on a 480', facts(480, 1), 'invalidNumber'],
    ['cause 28', facts(500, 28), 'invalidNumber'],
    ['cause 22', facts(410, 22), 'invalidNumber'],
    ['cause 2, 3', facts(404, 3), 'invalidNumber'],
    ['403', facts(403), 'rejected'],
    ['603', facts(603), 'rejected'],
    ['cause 21 on a 486', facts(486, 21), 'rejected'],
    ['503', facts(503), 'failed'],
    ['500', facts(500), 'failed'],
    ['504', facts(504), 'failed'],
    ['cause 34 on a 486: the Reason header comes first', facts(486, 34), 'failed'],
    ['cause 38/41/42/47/102', facts(480, 102), 'failed'],
    ['no response', facts(null), 'failed'],
    ['cause 16 on a non-answered call says nothing: status decides', facts(486, 16), 'busy'],
    ['an unlisted cause falls back to the status', facts(480, 31), 'noAnswer'],
    ['487 without our CANCEL is not in the no-answer row', facts(487), 'failed'],
    ['401 left unanswered (auth failed)', facts(401), 'failed'],
    ['200 that crossed our CANCEL and was hung up at once', facts(200, null, true, false), 'noAnswer'],
  ];
  for (const [name, input, outcome] of rows) {
    it(`${name} -> ${outcome}`, () => expect(classifyOutcome(input)).toBe(outcome));
  }
});

describe('Reason header (RFC 3326)', () => {
  it('parses several protocols, quoted text with commas and several header lines', () => {
    const values = ['SIP;cause=480;text="Temporarily, unavailable", Q.850;cause=20;text="Subscriber absent"', 'q.850 ; cause = 18'];
    expect(parseReasonHeaders(values)).toEqual([
      { protocol: 'SIP', cause: 480, text: 'Temporarily, unavailable' },
      { protocol: 'Q.850', cause: 20, text: 'Subscriber absent' },
      { protocol: 'Q.850', cause: 18, text: null },
    ]);
    expect(q850CauseOf(values)).toBe(20);
  });

  it('ignores garbage', () => {
    expect(q850CauseOf(['Q.850;cause=abc', ';;', '"', 'Q.850;cause=99999'])).toBeNull();
    expect(q850CauseOf([])).toBeNull();
  });
});
