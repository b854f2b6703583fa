import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostClient } from '../../shared/host/client.js';
import type { HostInit } from '../../shared/host/protocol.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import { openDatabase } from '../db/database.js';
import { dataPaths } from '../paths.js';
import { forkHost } from './fork.js';
import { inProcessHost } from './inProcess.js';

const init = (dataDir: string, changes: Partial<HostInit> = {}): HostInit => ({
  dataDir,
  host: 'cli',
  version: 'test',
  secrets: 'file-key',
  savePath: 'none',
  loginItem: 'none',
  ...changes,
});

describe('the core host protocol', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let host: HostClient | undefined;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(async () => {
    if (host?.alive) await host.control('host.close', {});
    host?.disconnect();
    host = undefined;
    tmp.cleanup();
  });

  it('answers the contract through buildApi, refuses unknown operations and bad input, and forwards events', async () => {
    host = await inProcessHost(init(join(tmp.dir, 'data')));
    expect(await host.api.template.list({})).toEqual({ ok: true, value: [] });
    expect(await host.dispatch('nothing.here', {})).toMatchObject({ ok: false, error: { code: 'contract.unknownOperation' } });
    expect(await host.dispatch('template.create', { name: 'x' })).toMatchObject({ ok: false, error: { code: 'contract.invalidInput' } });
    expect(await host.control('tasks.pending', {})).toEqual({ ok: true, value: false });

    const progress: unknown[] = [];
    const stop = host.api.subscribe('roster.importProgress', (p) => progress.push(p));
    const csv = join(tmp.dir, 'roster.csv');
    writeFileSync(csv, 'Nama;Nomor HP\n' + Array.from({ length: 50 }, (_, i) => `P ${i};0812${String(3456000 + i)}`).join('\n') + '\n');
    const analysis = await host.api.roster.analyze({ path: csv });
    stop();
    expect(analysis.ok && analysis.value.kind === 'staged' && analysis.value.roster.validCount).toBe(50);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('asks the parent to seal its credential key once, then keeps credentials sealed without asking again', async () => {
    const asked: string[] = [];
    host = await inProcessHost(init(join(tmp.dir, 'data'), { secrets: 'keychain', savePath: 'ask-parent' }), {
      'secrets.encrypt': ({ plain }) => (asked.push('encrypt'), { ciphertext: new Uint8Array(Buffer.from(`k:${plain}`)) }),
      'secrets.decrypt': ({ ciphertext }) => (asked.push('decrypt'), { plain: Buffer.from(ciphertext).toString().slice(2) }),
    });
    expect(asked).toEqual(['encrypt']); // a new sealed key
    const saved = await host.api.gateway.save({ settings: { ...(await gatewayDefaults(host)), mode: 'dryRun' }, password: 'Sup3r-Secret' });
    expect(saved).toMatchObject({ ok: true, value: { passwordSet: true } });
    expect(asked).toEqual(['encrypt']);
    const db = openDatabase(dataPaths(join(tmp.dir, 'data')).database);
    const stored = db.prepare("SELECT scheme, ciphertext FROM secrets WHERE name != 'app.sealedKey'").all() as { scheme: string; ciphertext: Buffer }[];
    db.close();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.scheme).toBe('safe-storage');
    expect(stored[0]!.ciphertext.includes(Buffer.from('Sup3r-Secret'))).toBe(false);
  });

  it('a forked host that dies answers pending and later requests with host.stopped, and says why', async () => {
    const forked = await forkHost(init(join(tmp.dir, 'data')), { stdio: 'ignore' });
    host = forked;
    const info = await forked.api.app.info({});
    expect(info.ok && info.value.host).toBe('cli');
    // Kill it in the middle of a stream of requests, as a crash would.
    const pending = Array.from({ length: 20 }, () => forked.api.task.list({}));
    const hostPid = await hostProcessId(forked);
    process.kill(hostPid, 'SIGKILL');
    const answers = await Promise.all(pending);
    expect(answers.every((a) => a.ok || a.error.code === 'host.stopped')).toBe(true);
    expect(await forked.closed).toBe('killed by SIGKILL');
    expect(await forked.api.task.list({})).toMatchObject({ ok: false, error: { code: 'host.stopped' } });
    expect(forked.alive).toBe(false);
  });
});

async function gatewayDefaults(host: HostClient) {
  const view = await host.api.gateway.get({});
  if (!view.ok) throw new Error(view.error.message);
  const { passwordSet: _set, ...settings } = view.value;
  return settings;
}

/** The host's pid, from its 'ready' message, kept by the client. */
async function hostProcessId(host: HostClient): Promise<number> {
  await host.ready;
  if (host.pid === undefined) throw new Error('no pid');
  return host.pid;
}
