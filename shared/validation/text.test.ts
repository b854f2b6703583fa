import { describe, expect, it } from 'vitest';
import { CONTRACT } from '../contract/schemas.js';
import { gatewaySettingsSchema } from '../gatewaySchema.js';
import { unsafeCharacters, withoutUnsafeCharacters } from './text.js';

const UNSAFE = ['\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009b', '\u061c', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202d', '\u202e', '\u2066', '\u2069', '\ufeff'];

describe('the text rule for names', () => {
  it.each(UNSAFE.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))('refuses %s', (code, c) => {
    expect(unsafeCharacters(`Promo${c}Jan`)).toEqual([code]);
  });

  it('keeps names in English, Indonesian and Chinese, emoji and joiners', () => {
    for (const name of ['January 2026 Promotion', 'Promosi Januari – Jakarta', '一月促销', 'Promo 🎉', 'family 👨‍👩‍👧']) expect(unsafeCharacters(name)).toEqual([]);
  });

  it('a template text may have line breaks (LF, CR LF) but no lone CR nor escapes', () => {
    expect(unsafeCharacters('Hello {name},\nthanks\r\n', true)).toEqual([]);
    expect(unsafeCharacters('Hello\r{name}', true)).toEqual(['U+000D']);
    expect(unsafeCharacters('Hi\u001b[2J', true)).toEqual(['U+001B']);
  });

  it('drops them from names taken from file names', () => {
    expect(withoutUnsafeCharacters('list\u001b]0;x\u0007.xlsx')).toBe('list]0;x.xlsx');
  });

  it('the contract refuses them for recordings, rosters, templates and tasks, with its own code', () => {
    const cases: [keyof typeof CONTRACT, unknown][] = [
      ['recording.rename', { id: 1, name: 'x\u001b]0;pwned\u0007' }],
      ['recording.add', { path: '/tmp/a.mp3', name: 'a\u202ecod.mp3' }],
      ['roster.analyze', { path: '/tmp/a.csv', name: 'a\u001b[2J' }],
      ['template.create', { name: 'n\u0085', body: 'ok' }],
      ['template.update', { id: 1, name: 'n', body: 'hi\u001b[2J' }],
      ['template.reject', { id: 1, reason: 'no\nway' }],
      ['task.create', { name: 'Jan\u202e', recordingId: 1, rosterId: 1, start: { mode: 'now' } }],
      ['task.rename', { id: 1, name: 'Jan\u0000' }],
    ];
    for (const [op, input] of cases) {
      const parsed = CONTRACT[op].input.safeParse(input);
      expect(parsed.success, op).toBe(false);
      expect(parsed.error!.issues[0]).toMatchObject({ code: 'custom', params: { appCode: 'text.unsafeCharacters' } });
    }
  });

  it('says the task name limit is 60, with the task rule code', () => {
    const parsed = CONTRACT['task.rename'].input.safeParse({ id: 1, name: 'a'.repeat(61) });
    expect(parsed.error!.issues[0]).toMatchObject({ message: 'The task name is too long: use at most 60 characters.', params: { appCode: 'task.nameTooLong', max: 60 } });
    expect(CONTRACT['task.rename'].input.safeParse({ id: 1, name: 'a'.repeat(60) }).success).toBe(true);
  });

  it('a SIP user name with CR/LF (a header injection) is refused', () => {
    const base = gatewaySettingsSchema.parse({
      mode: 'sip', host: '192.168.1.20', port: 5060, transport: 'udp', username: '1001', authUsername: '', callerIdUser: '', callerIdName: '',
      outboundProxy: '', localAddress: '', codecs: ['PCMA'], numberFormat: 'e164', register: false, channels: 2, callsPerSecond: 1,
      ringTimeoutSeconds: 30, playTimes: 1, rtpPortMin: 20000, rtpPortMax: 20100, playoutTailMs: 300,
    });
    for (const field of ['username', 'authUsername', 'callerIdName'] as const) {
      const parsed = gatewaySettingsSchema.safeParse({ ...base, [field]: '1001\r\nX-Injected: yes' });
      expect(parsed.success, field).toBe(false);
    }
  });
});
