import { describe, expect, it } from 'vitest';
import { renderTemplate, templateVariables } from './render.js';

describe('renderTemplate', () => {
  it('fills placeholders from the roster columns and {phone}', () => {
    const r = renderTemplate('Halo {name}, nomor Anda {phone}.', { name: 'Budi', phone: '+6281234567890' });
    expect(r).toEqual({ text: 'Halo Budi, nomor Anda +6281234567890.', missing: [] });
  });

  it('matches names trimmed and case-insensitively, in both the template and the roster headers', () => {
    const r = renderTemplate('{Name} / { NAMA } / {kota}', { name: 'Budi', ' Nama ': 'Budi S.', KOTA: 'Jakarta' });
    expect(r).toEqual({ text: 'Budi / Budi S. / Jakarta', missing: [] });
  });

  it('prefers the exact column when two differ only by case', () => {
    expect(renderTemplate('{Name} {name}', { name: 'lower', Name: 'Upper' }).text).toBe('Upper lower');
  });

  it('leaves unknown placeholders as written and lists each once', () => {
    const r = renderTemplate('Hi {name}, {Promo} {promo} {kode}', { name: 'Ani' });
    expect(r).toEqual({ text: 'Hi Ani, {Promo} {promo} {kode}', missing: ['Promo', 'kode'] });
  });

  it('takes names with spaces and Chinese, and an empty value', () => {
    const r = renderTemplate('{Nama Lengkap}，{姓名}！{note}', { 'Nama Lengkap': 'Budi Santoso', 姓名: '王伟', note: '' });
    expect(r).toEqual({ text: 'Budi Santoso，王伟！', missing: [] });
  });

  it('treats braces that are not placeholders as text and never renders a value twice', () => {
    expect(renderTemplate('{ } {} {a\nb} {{name}}', { name: 'X' }).text).toBe('{ } {} {a\nb} {X}');
    expect(renderTemplate('{a}{b}', { a: '{b}', b: 'B' }).text).toBe('{b}B');
  });
});

describe('templateVariables', () => {
  it('lists the placeholder names once each, trimmed, in order', () => {
    expect(templateVariables('{ name } {phone} {Name} {kota} { }')).toEqual(['name', 'phone', 'kota']);
    expect(templateVariables('no placeholders')).toEqual([]);
  });
});
