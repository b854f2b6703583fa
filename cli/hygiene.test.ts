import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../core/db/database.js';
import { dataPaths } from '../core/paths.js';
import { seedRecording } from '../tests/support/seed.js';
import { cli } from '../tests/support/cliRun.js';
import { makeTempDir } from '../tests/support/tmp.js';
import { escapeForTerminal } from './io.js';

/** What a terminal would act on: C0 but LF, DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

describe('the command line prints what the store holds harmlessly', () => {
  const tmp = makeTempDir('autocall-cli-hygiene-');
  const data = join(tmp.dir, 'data');
  afterAll(() => tmp.cleanup());

  it('shows control characters of a stored name as visible escapes, in the table and in JSON', async () => {
    // A name stored before the text rule existed (or written by hand).
    const db = openDatabase(dataPaths(data).database);
    seedRecording(db, 'evil\u001b]0;pwned\u0007\u001b[2J\u202egpj.mp3\u009b');
    db.close();
    const human = await cli(data, 'recording', 'list');
    expect(human.code).toBe(0);
    expect(human.stdout).not.toMatch(ACTIVE);
    expect(human.stdout).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}gpj.mp3\\x9b');
    const json = await cli(data, '--json', 'recording', 'list');
    expect(json.stdout).not.toMatch(ACTIVE);
    expect((JSON.parse(json.stdout) as { name: string }[])[0]!.name).toBe('evil\u001b]0;pwned\u0007\u001b[2J\u202egpj.mp3\u009b');
  });

  it('refuses a new name with control characters, and its message is escaped too', async () => {
    const r = await cli(data, 'template', 'add', '--name', 'x\u001b]0;t\u0007', '--text', 'Hello');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invisible control characters (U+001B, U+0007)');
    expect(r.stderr).not.toMatch(ACTIVE);
    const j = await cli(data, '--json', 'template', 'add', '--name', 'x\u202e', '--text', 'Hello');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'text.unsafeCharacters', params: { characters: 'U+202E' } } });
  });

  it('refuses a SIP user name with CR/LF', async () => {
    const r = await cli(data, '--json', 'gateway', 'set', '--username', '1001\r\nX-Injected: 1');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'text.unsafeCharacters' } });
  });

  it('names the field of an impossible start date or time, and the task name limit as 60', async () => {
    const at = async (...extra: string[]) =>
      JSON.parse((await cli(data, '--json', 'task', 'create', '--name', 'Promo', '--recording', '1', '--roster', '1', ...extra)).stdout) as { error: { code: string; params?: unknown } };
    expect((await at('--at', '2026-02-30 10:00')).error).toMatchObject({ code: 'task.badStartDate', params: { date: '2026-02-30', days: 28 } });
    expect((await at('--at', '2099-03-01 24:00')).error).toMatchObject({ code: 'task.badStartClock', params: { time: '24:00' } });
    expect((await at('--now', '--window', '08:00-24:00')).error).toMatchObject({ code: 'task.badWindowEnd', params: { time: '24:00' } });
    const long = JSON.parse((await cli(data, '--json', 'task', 'create', '--name', 'a'.repeat(201), '--recording', '1', '--roster', '1', '--now')).stdout);
    expect(long.error).toMatchObject({ code: 'task.nameTooLong', params: { max: 60 } });
    expect(long.error.message).toContain('at most 60');
  });

  it('escapes each kind once, keeping line feeds', () => {
    expect(escapeForTerminal('a\tb\nc\r\u0000\u2066')).toBe('a\\x09b\nc\\x0d\\x00\\u{2066}');
  });
});
