import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALL_EVENT_TYPES, CALL_STATE_MEANINGS, CALL_STATES, CALL_TRANSITIONS, nextCallState, type CallState } from './callState.js';

const key = (from: string, on: string) => `${from}|${on}`;
const listed = new Set(CALL_TRANSITIONS.map(([from, on]) => key(from, on)));

function reachableFrom(start: CallState, edges: readonly (readonly [CallState, CallState])[]): Set<CallState> {
  const seen = new Set<CallState>([start]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of edges) {
      if (seen.has(a) && !seen.has(b)) {
        seen.add(b);
        grew = true;
      }
    }
  }
  return seen;
}

describe('the call state table', () => {
  it('takes every listed transition to its state', () => {
    for (const [from, on, to] of CALL_TRANSITIONS) expect(nextCallState(from, { type: on }), `${from} --${on}-->`).toBe(to);
  });

  it('lists each (state, event) once', () => {
    expect(listed.size).toBe(CALL_TRANSITIONS.length);
  });

  it('refuses every pair it does not list, and everything after the end', () => {
    let refused = 0;
    for (const state of CALL_STATES) {
      for (const type of CALL_EVENT_TYPES) {
        if (listed.has(key(state, type))) continue;
        expect(nextCallState(state, { type }), `${state} --${type}-->`).toBeNull();
        refused++;
      }
    }
    expect(refused).toBe(CALL_STATES.length * CALL_EVENT_TYPES.length - CALL_TRANSITIONS.length);
    expect(CALL_EVENT_TYPES.map((type) => nextCallState('ended', { type }))).toEqual(CALL_EVENT_TYPES.map(() => null));
  });

  it('refuses what the protocol rules out', () => {
    expect(nextCallState('setup', { type: 'answer' })).toBeNull(); // nothing sent yet
    expect(nextCallState('confirmed', { type: 'provisional' })).toBeNull(); // a 1xx after the 2xx
    expect(nextCallState('calling', { type: 'byeReceived' })).toBeNull(); // no dialog before the 2xx
    expect(nextCallState('cancelling', { type: 'retry' })).toBeNull(); // a challenge is not answered once CANCEL went
    expect(nextCallState('cancelWaiting', { type: 'redirect' })).toBeNull(); // nor a 3xx followed
    expect(nextCallState('hangingUp', { type: 'reoffer' })).toBeNull(); // a re-INVITE while tearing down gets 491
    expect(nextCallState('ringing', { type: 'cancelTimeout' })).toBeNull(); // no CANCEL is out
  });

  it('has a use for every state and event: each state is reached from setup and leads to ended', () => {
    const edges = CALL_TRANSITIONS.map(([from, , to]) => [from, to] as const);
    expect([...reachableFrom('setup', edges)].sort()).toEqual([...CALL_STATES].sort());
    const reversed = edges.map(([a, b]) => [b, a] as const);
    expect([...reachableFrom('ended', reversed)].sort()).toEqual([...CALL_STATES].sort());
    expect(new Set(CALL_TRANSITIONS.map(([, on]) => on))).toEqual(new Set(CALL_EVENT_TYPES));
  });

  it('CANCEL goes only once a provisional came (RFC 3261 §9.1), and a 2xx crossing it is hung up', () => {
    expect(nextCallState('calling', { type: 'ringTimeout' })).toBe('cancelWaiting');
    expect(nextCallState('cancelWaiting', { type: 'provisional' })).toBe('cancelling');
    expect(nextCallState('cancelWaiting', { type: 'answer' })).toBe('confirmed');
    expect(nextCallState('calling', { type: 'abort' })).toBe('abortWaiting');
    expect(nextCallState('abortWaiting', { type: 'answer' })).toBe('hangingUp');
    expect(nextCallState('cancelling', { type: 'answer' })).toBe('hangingUp');
    expect(nextCallState('cancelling', { type: 'final' })).toBe('ended');
  });
});

/** The drawing docs/ARCHITECTURE.md holds: a mermaid diagram of the table and a list of the states, both generated from callState.ts. */
function callStateDoc(): string {
  const edges = new Map<string, string[]>();
  for (const [from, on, to] of CALL_TRANSITIONS) {
    const k = `${from} --> ${to}`;
    edges.set(k, [...(edges.get(k) ?? []), on]);
  }
  return [
    '```mermaid',
    'stateDiagram-v2',
    '  [*] --> setup',
    ...[...edges].map(([edge, events]) => `  ${edge}: ${events.join(', ')}`),
    '  ended --> [*]',
    '```',
    '',
    '| state | what it means |',
    '|---|---|',
    ...CALL_STATES.map((state) => `| \`${state}\` | ${CALL_STATE_MEANINGS[state]} |`),
  ].join('\n');
}

describe('docs/ARCHITECTURE.md "Call state machine"', () => {
  it('draws exactly the table', () => {
    const doc = readFileSync(new URL('../../../docs/ARCHITECTURE.md', import.meta.url), 'utf8');
    const begin = '<!-- call-states: generated from core/telephony/gateway/callState.ts by callState.test.ts -->';
    const end = '<!-- /call-states -->';
    const from = doc.indexOf(begin);
    const to = doc.indexOf(end);
    expect(from, `docs/ARCHITECTURE.md has no "${begin}" marker`).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    const drawn = doc.slice(from + begin.length, to).trim();
    expect(drawn, `docs/ARCHITECTURE.md must hold, between its call-states markers:\n\n${callStateDoc()}\n`).toBe(callStateDoc());
  });
});
