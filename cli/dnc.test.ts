import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../tests/support/rosterFiles.js';
import { cli } from '../tests/support/cliRun.js';
import { makeTempDir } from '../tests/support/tmp.js';

describe('autocall dnc', () => {
  const tmp = makeTempDir('autocall-dnc-cli-');
  const data = join(tmp.dir, 'data');
  afterAll(() => tmp.cleanup());

  it('adds, imports, lists, searches and removes numbers', async () => {
    const added = await cli(data, 'dnc', 'add', '0812-3456-7890', '--note', 'asked by phone');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain('Added +6281234567890 to the do-not-call list');

    const again = await cli(data, '--json', 'dnc', 'add', '+62 812 3456 7890');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'dnc.alreadyListed' } });

    const file = writeCsv(tmp.dir, 'dnc.csv', ['Nama;Nomor HP', 'Budi;081234567890', 'Sari;0813-9999-8888', 'Andi;12']);
    const imported = await cli(data, 'dnc', 'import', file);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Read 3 rows of dnc.csv (phone column: Nomor HP): 1 added, 1 already on the list, 1 unusable.');
    expect(imported.stdout).toMatch(/4\s+12\s+tooShort/);

    const list = JSON.parse((await cli(data, '--json', 'dnc', 'list')).stdout) as { total: number; items: { phoneE164: string; source: string }[] };
    expect(list.total).toBe(2);
    expect(list.items.map((e) => [e.phoneE164, e.source])).toEqual([
      ['+6281399998888', 'dnc.csv'],
      ['+6281234567890', 'manual'],
    ]);
    const human = await cli(data, 'dnc', 'list', '--search', '0813');
    expect(human.stdout).toContain('+6281399998888');
    expect(human.stdout).not.toContain('+6281234567890');
    expect(human.stdout).toContain('1 numbers on the list.');

    expect((await cli(data, 'dnc', 'remove', '6281399998888')).code).toBe(0);
    const gone = await cli(data, 'dnc', 'remove', '081399998888');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('is not on the do-not-call list');
  });

  it('asks for the phone column when none is recognised, and answers wrong usage with exit code 2', async () => {
    const file = writeCsv(tmp.dir, 'other.csv', ['Customer,Data', 'Budi,0856 1111 2222']);
    const r = await cli(data, 'dnc', 'import', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('with --phone-column; the columns are: Customer, Data');
    expect((await cli(data, 'dnc', 'import', file, '--phone-column', 'Data')).code).toBe(0);
    expect((await cli(data, 'dnc')).code).toBe(2);
    expect((await cli(data, 'dnc', 'add')).code).toBe(2);
  });
});
