import { test, expect } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CODE } from '../../core/sms/providers/request.js';
import { en } from '../../renderer/src/i18n/en.js';
import { id } from '../../renderer/src/i18n/id.js';
import { zh } from '../../renderer/src/i18n/zh.js';

/**
 * No browser needed: checks that the error codes the core answers for the
 * pages of this release have a translation in every language, and that the
 * Indonesian and Chinese texts are translations, not English copies.
 */
const FEATURES_SHOWN = ['recording', 'roster', 'template', 'sms', 'smsAccount', 'secrets', 'contract', 'settings', 'task', 'gateway', 'sip', 'media', 'call', 'dnc'];

/**
 * Where the core names an error code: an AppError it throws, or a problem()
 * it reports inside a result (the errors of a call attempt and of a failed
 * SMS, stored with their rows; the gateway test's problem and the engine
 * banner's gateway problem), which the pages translate.
 */
const CODE_SITE = /\b(?:AppError|problem)\(\s*['"]([a-zA-Z]+)\.([a-zA-Z.]+)['"]/g;

/** Codes stored with call attempts and SMS, named here so a change in how they are written cannot drop them from the check unseen. */
const STORED_WITH_ROWS = [
  'sip.noResponse',
  'sip.connectionRefused',
  'sip.connectTimeout',
  'sip.networkUnreachable',
  'sip.connectionLost',
  'sip.transportError',
  'sip.authFailed',
  'sip.passwordMissing',
  'sip.wrongRealm',
  'sip.authUnsupported',
  'sip.answeredAfterCancel',
  'sip.byeTimeout',
  'sip.badAnswer',
  'sip.badReoffer',
  'sip.redirected',
  'sip.responseDropped',
  'sip.sessionExpired',
  'sip.sessionRefreshFailed',
  'media.openFailed',
  'call.aborted',
  'call.maxDuration',
  'call.notPlaced',
  'call.dryRun',
  'call.interrupted',
  'sms.auth',
  'sms.rejected',
  'sms.unreachable',
  'sms.uncertain',
  'sms.interrupted',
];

/** Codes of Settings > Gateway > Test gateway and of the Scheduler's gateway banner (OPTIONS, REGISTER, opening the SIP socket). */
const SHOWN_BY_GATEWAY_TEST = [
  'sip.noResponse',
  'sip.connectionRefused',
  'sip.transportError',
  'sip.authFailed',
  'sip.passwordMissing',
  'sip.wrongRealm',
  'sip.registerRejected',
  'sip.registerUnfinished',
  'sip.bindFailed',
  'gateway.unresolvable',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function leaves(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

test('every error code of the shown features, thrown, stored with calls and SMS or shown by the gateway test, is translated in en, id and zh', () => {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(process.cwd(), 'core'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(CODE_SITE)) {
      if (FEATURES_SHOWN.includes(match[1]!)) codes.add(`${match[1]}.${match[2]}`);
    }
  }
  // A failed SMS provider call names its code through a table, not at an AppError.
  for (const code of Object.values(FAILURE_CODE)) codes.add(code);
  expect(codes.size).toBeGreaterThan(5);
  expect(STORED_WITH_ROWS.filter((code) => !codes.has(code)), 'stored codes the scan did not find').toEqual([]);
  expect(SHOWN_BY_GATEWAY_TEST.filter((code) => !codes.has(code)), 'gateway test codes the scan did not find').toEqual([]);
  for (const [name, messages] of Object.entries({ en, id, zh })) {
    const keys = leaves(messages);
    const missing = [...codes].filter((code) => !keys.has(`errors.${code}`));
    expect(missing, `${name} lacks translations`).toEqual([]);
  }
});

test('Indonesian and Chinese are translations, not copies of the English', () => {
  const english = leaves(en);
  for (const [name, messages] of Object.entries({ id, zh })) {
    const translated = leaves(messages);
    expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
    // Brand and provider names, units and codes may stay the same; sentences may not.
    const same = [...english].filter(([key, text]) => translated.get(key) === text && text.includes(' ') && text.length > 24);
    expect(same.map(([key]) => key), `${name} copies English`).toEqual([]);
  }
});

test('every message key the renderer names literally exists in en, id and zh', () => {
  const used = new Set<string>();
  for (const file of sourceFiles(join(process.cwd(), 'renderer', 'src')).concat(vueFiles(join(process.cwd(), 'renderer', 'src')))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z]+(?:\.[a-zA-Z_]+)+)'/g)) used.add(match[1]!);
  }
  expect(used.size).toBeGreaterThan(50);
  for (const [name, messages] of Object.entries({ en, id, zh })) {
    const keys = leaves(messages);
    expect([...used].filter((key) => !keys.has(key)), `${name} lacks keys`).toEqual([]);
  }
});

function vueFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return vueFiles(path);
    return name.endsWith('.vue') ? [path] : [];
  });
}
