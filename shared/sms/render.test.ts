import { describe, expect, it } from 'vitest';
import { missingVariables, renderTemplate, rosterVariableColumns, templateSyntaxProblems, templateVariables } from './render.js';

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

describe('templateSyntaxProblems (checked when a template is saved, issue 10)', () => {
  it('finds an unclosed brace, to the end of the text or of the line', () => {
    expect(templateSyntaxProblems('Halo {Nama')).toEqual([{ kind: 'unclosed', excerpt: '{Nama' }]);
    expect(templateSyntaxProblems('Halo {Nama\nsampai jumpa}')).toEqual([
      { kind: 'unclosed', excerpt: '{Nama' },
      { kind: 'unopened', excerpt: 'mpai jumpa}' },
    ]);
  });

  it('finds an opening brace inside another, and an empty {}', () => {
    expect(templateSyntaxProblems('{{name}}').map((p) => p.kind)).toEqual(['unclosed', 'unopened']);
    expect(templateSyntaxProblems('Halo {} dan { }')).toEqual([
      { kind: 'empty', excerpt: '{}' },
      { kind: 'empty', excerpt: '{ }' },
    ]);
  });

  it('finds a name longer than 100 characters, shortening the excerpt', () => {
    const problems = templateSyntaxProblems(`{${'x'.repeat(101)}}`);
    expect(problems).toEqual([{ kind: 'tooLong', excerpt: `{${'x'.repeat(19)}…` }]);
  });

  it('accepts well-formed templates, with spaces and Chinese in names', () => {
    expect(templateSyntaxProblems('Halo {Nama Lengkap}, {姓名}! Kode {kode}.')).toEqual([]);
    expect(templateSyntaxProblems('no placeholders at all')).toEqual([]);
  });
});

describe('missingVariables (checked when a task is created, issue 10)', () => {
  it('names the variables no roster column fills', () => {
    expect(missingVariables('Halo {Nama} {Kota}', ['Nama'])).toEqual(['Kota']);
    expect(missingVariables('{NoSuchVar} {nosuchvar} {nama}', ['Nama', 'Alamat'])).toEqual(['NoSuchVar']);
  });

  it('matches like renderTemplate does (trimmed, any case) and always knows {phone}', () => {
    expect(missingVariables('{ NAMA } {Phone} {phone}', [' nama '])).toEqual([]);
  });

  it('does not count the phone column as a variable: its value is not kept as one', () => {
    const roster = { columns: ['Nomor HP', 'Nama'], phoneColumn: 'Nomor HP' };
    expect(missingVariables('{Nama} {Nomor HP}', rosterVariableColumns(roster))).toEqual(['Nomor HP']);
  });
});
