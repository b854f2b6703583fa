import { afterEach, describe, expect, it } from 'vitest';
import type { CodedError } from '../../../shared/types.js';
import { i18n, type AppLocale } from '../i18n/index.js';
import { errorText, storedErrorText } from './call.js';

function inLocale(locale: AppLocale, error: { code: string; params?: Record<string, string | number> }): string {
  i18n.global.locale.value = locale;
  return errorText({ message: 'the core’s English sentence', ...error });
}

describe('errorText', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('names the SMS provider and the setting as Settings > SMS account shows them, not by their codes', () => {
    const missing = { code: 'smsAccount.missingField', params: { field: 'accountSid', provider: 'twilio' } };
    expect(inLocale('en', missing)).toBe('The setting "Account SID" of the Twilio account is empty. Fill it in; every provider’s credentials are on its dashboard.');
    expect(inLocale('zh', { code: 'smsAccount.missingField', params: { field: 'apiKey', provider: 'vonage' } })).toContain('Vonage 账户的设置项“API 密钥”为空');
  });

  it('uses the provider’s name in the chosen language where it has one', () => {
    const unknownField = { code: 'smsAccount.unknownField', params: { field: 'from', provider: 'generic' } };
    expect(inLocale('en', unknownField)).toContain('is not a setting of Generic HTTP gateway (GoIP and similar).');
    expect(inLocale('id', unknownField)).toContain('"Pengirim (From)" bukan pengaturan Gateway HTTP umum (GoIP dan sejenisnya).');
    expect(inLocale('zh', unknownField)).toContain('不是 通用 HTTP 网关（GoIP 等） 的设置项');
  });

  it('keeps a value that is no known code as it came', () => {
    expect(inLocale('en', { code: 'smsAccount.unknownProvider', params: { provider: 'nexmo' } })).toContain('"nexmo" is not a supported SMS provider.');
    // Outside the SMS account, `field` is the path of a refused input, not an SMS setting.
    expect(inLocale('en', { code: 'contract.invalidInput', params: { field: 'from' } })).toBe('The request was not valid (from). Check the values and try again.');
  });

  it('still translates the codes under errorParams (a refused file’s format)', () => {
    expect(inLocale('en', { code: 'recording.notMp3', params: { format: 'wav' } })).toContain('it is a WAV audio file.');
    expect(inLocale('id', { code: 'recording.notMp3', params: { format: 'wav' } })).toContain('ini file audio WAV.');
  });

  it('says why a SIP redirect was not followed in each language (errorParams.redirect)', () => {
    const redirected = { code: 'sip.redirected', params: { status: 302, contact: 'sip:+6281111@192.0.2.9', redirect: 'loop' } };
    expect(inLocale('en', redirected)).toBe(
      'The gateway redirected the call (SIP 302) to sip:+6281111@192.0.2.9, and the app did not follow it: it points back to an address already tried. Check the forwarding set up on the PBX, or send the SIP trace to support.',
    );
    expect(inLocale('id', redirected)).toContain('alamat itu kembali ke alamat yang sudah dicoba');
    expect(inLocale('zh', { ...redirected, params: { ...redirected.params, redirect: 'tooManyHops' } })).toContain('该呼叫已被重定向 3 次');
  });

  it('falls back to the core’s sentence for a code with no translation', () => {
    expect(inLocale('zh', { code: 'sms.somethingNew', params: { provider: 'twilio' } })).toBe('the core’s English sentence');
  });
});

describe('storedErrorText', () => {
  const sentence = 'The gateway at 192.0.2.1:5060 refused the connection (INVITE).; The gateway did not confirm the hang-up (no answer to the BYE).';
  const codes: CodedError[] = [
    { code: 'sip.connectionRefused', params: { address: '192.0.2.1:5060' } },
    { code: 'sip.byeTimeout', params: {} },
  ];
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('translates every stored problem, in order', () => {
    i18n.global.locale.value = 'id';
    const text = storedErrorText(sentence, codes);
    expect(text).toMatch(/^Gateway di 192\.0\.2\.1:5060 menolak koneksi.* Gateway tidak mengonfirmasi penutupan panggilan\.$/);
  });

  it('shows the stored sentence for rows stored before codes were, and when a code has no translation', () => {
    i18n.global.locale.value = 'zh';
    expect(storedErrorText(sentence, null)).toBe(sentence);
    expect(storedErrorText(sentence, [...codes, { code: 'sip.somethingNew', params: {} }])).toBe(sentence);
  });
});
