import { describe, expect, it } from 'vitest';
import { systemLocale } from './index.js';

describe('systemLocale', () => {
  it('takes the first of the system languages the app speaks', () => {
    expect(systemLocale(['id-ID', 'en-US'])).toBe('id');
    expect(systemLocale(['in'])).toBe('id');
    expect(systemLocale(['fr-FR', 'zh-TW', 'en'])).toBe('zh');
    expect(systemLocale(['zh_CN'])).toBe('zh');
    expect(systemLocale(['en-GB', 'id'])).toBe('en');
    expect(systemLocale(['fr-FR', 'de'])).toBeNull();
    expect(systemLocale([])).toBeNull();
  });
});
