import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostClient } from '../../shared/host/client.js';
import type { OperationName } from '../../shared/contract/operations.js';
import type { OperationInput, OperationOutput } from '../../shared/contract/schemas.js';
import type { GatewaySettings } from '../../shared/types.js';
import { makeMp3 } from '../support/mp3Files.js';
import { testSmsAccount } from '../support/smsProviderServer.js';
import { freePortRange } from '../support/sipp.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * What a task is built from, put in place through the same contract the
 * pages use (their own end-to-end tests click through those pages): a
 * recording, a roster, approved templates, an SMS account, a gateway, sent
 * to the core host the bridge started.
 */
export async function call<K extends OperationName>(core: HostClient, operation: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
  const result = await core.dispatch(operation, input);
  if (!result.ok) throw new Error(`${operation}: ${result.error.code} ${result.error.message}`);
  return result.value as OperationOutput<K>;
}

/** A one-second MP3 made with lame; the core keeps its own copy, so the file goes at once. */
export async function addRecording(core: HostClient, name: string): Promise<number> {
  const tmp = makeTempDir();
  try {
    const mp3 = makeMp3(tmp.dir, 'promo.mp3', { seconds: 1, rate: 44100, channels: 2 });
    return (await call(core, 'recording.add', { path: mp3, name })).id;
  } finally {
    tmp.cleanup();
  }
}

/** A roster file as an office types it: national numbers with dashes, a name column for {Nama}. */
export async function addRoster(core: HostClient, dir: string, numbers: readonly string[], fileName = 'Promotion_List_202601.csv'): Promise<number> {
  const csv = join(dir, fileName);
  const lines = numbers.map((n, i) => `Pelanggan ${i + 1};0${n.slice(3, 6)}-${n.slice(6, 10)}-${n.slice(10)}`);
  writeFileSync(csv, `Nama;Nomor HP\n${lines.join('\n')}\n`);
  const analysis = await call(core, 'roster.analyze', { path: csv });
  if (analysis.kind !== 'staged') throw new Error('the phone column was not found');
  return (await call(core, 'roster.confirm', { id: analysis.roster.id })).id;
}

export async function addApprovedTemplate(core: HostClient, name: string, body: string): Promise<number> {
  const template = await call(core, 'template.create', { name, body });
  await call(core, 'template.approve', { id: template.id });
  return template.id;
}

export async function useTwilio(core: HostClient, baseUrl: string): Promise<void> {
  await call(core, 'smsAccount.save', testSmsAccount('twilio', baseUrl));
}

export async function useSipGateway(core: HostClient, host: string, port: number, changes: Partial<GatewaySettings> = {}): Promise<void> {
  const { passwordSet: _passwordSet, ...current } = await call(core, 'gateway.get', {});
  const settings: GatewaySettings = {
    ...current,
    mode: 'sip',
    host,
    port,
    transport: 'udp',
    username: 'office',
    callerIdUser: '02150001',
    localAddress: '127.0.0.1',
    channels: 3,
    callsPerSecond: 10,
    ringTimeoutSeconds: 5,
    ...freePortRange(100),
    ...changes,
  };
  await call(core, 'gateway.save', { settings, password: 'Sup3r-Secret' });
}
