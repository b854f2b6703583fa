import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli as runCommandLine } from '../../tests/support/cliRun.js';
import { openDatabase } from '../db/database.js';
import { fileLogger, maskPhone, maskPhoneNumbers } from '../log.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { makeDataFolderPrivate } from './privateFolder.js';

const mode = (path: string) => statSync(path).mode & 0o777;

async function cli(dataDir: string, ...args: string[]): Promise<number> {
  return (await runCommandLine(dataDir, ...args)).code;
}

describe.skipIf(process.platform === 'win32')('the data folder is private', () => {
  const tmp = makeTempDir('autocall-privacy-');
  afterAll(() => tmp.cleanup());

  it('a new data folder: 0700, and the database, its WAL files, the log and the key file 0600', async () => {
    const data = join(tmp.dir, 'new');
    expect(await cli(data, 'template', 'add', '--name', 'Hello', '--text', 'Hi {name}')).toBe(0);
    expect(mode(data)).toBe(0o700);
    for (const dir of ['files', 'logs']) expect(mode(join(data, dir)), dir).toBe(0o700);
    for (const file of ['autocall.db', 'logs/autocall.log']) expect(mode(join(data, file)), file).toBe(0o600);
    // The WAL files exist while a connection is open; SQLite gives them the database's mode.
    const db = openDatabase(join(data, 'autocall.db'));
    try {
      db.prepare("INSERT INTO settings (key, value) VALUES ('x', '1')").run();
      for (const file of ['autocall.db-wal', 'autocall.db-shm']) expect(mode(join(data, file)), file).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it('an existing folder an older version left 0755/0644 is tightened when opened', async () => {
    const data = join(tmp.dir, 'old');
    mkdirSync(join(data, 'files', '.tmp'), { recursive: true });
    mkdirSync(join(data, 'logs'), { recursive: true });
    for (const file of ['autocall.db-wal', 'autocall.db-shm', 'files/abc.xlsx', 'logs/autocall.log', 'cli-secret.key']) writeFileSync(join(data, file), '');
    for (const dir of ['', 'files', 'files/.tmp', 'logs']) chmodSync(join(data, dir), 0o755);
    for (const file of ['autocall.db-wal', 'autocall.db-shm', 'files/abc.xlsx', 'logs/autocall.log']) chmodSync(join(data, file), 0o644);
    expect(makeDataFolderPrivate(data)).toBeGreaterThanOrEqual(8);
    for (const dir of ['', 'files', 'files/.tmp', 'logs']) expect(mode(join(data, dir)), dir || '.').toBe(0o700);
    for (const file of ['autocall.db-wal', 'autocall.db-shm', 'files/abc.xlsx', 'logs/autocall.log', 'cli-secret.key']) expect(mode(join(data, file)), file).toBe(0o600);
  });

  it('leaves Windows alone (the per-user AppData ACL protects it)', () => {
    const data = join(tmp.dir, 'win');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    expect(makeDataFolderPrivate(data, 'win32')).toBe(0);
    expect(mode(data)).toBe(0o755);
  });
});

describe('logs keep no more of a number than its last digits', () => {
  const tmp = makeTempDir('autocall-log-');
  afterAll(() => tmp.cleanup());

  it('masks numbers however they are written, in messages and in nested fields', () => {
    const file = join(tmp.dir, 'logs', 'autocall.log');
    const log = fileLogger(file);
    log.error('could not call +6281234567890', {
      error: 'row 5: 0812-3456-7890 and 62 812 3456 7891 failed',
      nested: { to: '+62 812 3456 7892', list: ['081234567893'] },
      sha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef123456',
      at: '2026-02-28',
      attempts: 3,
    });
    const text = readFileSync(file, 'utf8');
    for (const digits of ['81234567890', '3456-7890', '812 3456 7891', '3456 7892', '81234567893']) expect(text).not.toContain(digits);
    const entry = JSON.parse(text) as Record<string, unknown>;
    expect(entry).toMatchObject({
      message: 'could not call …7890',
      error: 'row 5: …7890 and …7891 failed',
      nested: { to: '…7892', list: ['…7893'] },
      sha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234567890abcdef123456',
      at: '2026-02-28',
      attempts: 3,
    });
    expect(mode(file) & 0o077).toBe(0);
  });

  it('maskPhone keeps the last four digits', () => {
    expect(maskPhone('+6281234567890')).toBe('…7890');
    expect(maskPhoneNumbers('ids 12 and 345, port 5060, 192.168.1.10')).toBe('ids 12 and 345, port 5060, 192.168.1.10');
  });
});
