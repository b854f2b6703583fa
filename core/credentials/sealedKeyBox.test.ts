import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../tests/support/tmp.js';
import { systemClock } from '../clock.js';
import { openDatabase, type Db } from '../db/database.js';
import type { AppError } from '../errors.js';
import { silentLogger } from '../log.js';
import { openSealedKeyBox, SEALED_KEY_NAME, type Keychain } from './sealedKeyBox.js';
import { FileKeySecretBox } from './secretBox.js';
import { SecretStore } from './secretStore.js';

/** Stands in for safeStorage behind main: a keyed transform with safeStorage's "v10" prefix, counting its calls. */
function fakeKeychain(key: number): Keychain & { calls: number } {
  const xor = (bytes: Uint8Array) => bytes.map((b) => b ^ key);
  const chain = {
    calls: 0,
    async encrypt(plain: string) {
      chain.calls++;
      return new Uint8Array([...Buffer.from('v10'), ...xor(Buffer.from(plain, 'utf8')), key]);
    },
    async decrypt(ciphertext: Uint8Array) {
      chain.calls++;
      if (ciphertext.at(-1) !== key || Buffer.from(ciphertext.subarray(0, 3)).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(xor(ciphertext.subarray(3, -1))).toString('utf8');
    },
  };
  return chain;
}

describe('credentials sealed under a keychain-protected key (the core host)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: Db;
  const fileBox = () => new FileKeySecretBox(join(tmp.dir, 'cli-secret.key'));
  const store = async (keychain: Keychain) => new SecretStore(db, await openSealedKeyBox(db, keychain, fileBox(), systemClock, silentLogger), systemClock);
  const row = (name: string) => db.prepare('SELECT scheme, ciphertext FROM secrets WHERE name = ?').get(name) as { scheme: string; ciphertext: Buffer };

  beforeEach(() => {
    tmp = makeTempDir();
    db = openDatabase(join(tmp.dir, 'autocall.db'));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('asks the keychain once per open, then encrypts and decrypts in the host; nothing readable is stored', async () => {
    const keychain = fakeKeychain(0x5a);
    const secrets = await store(keychain);
    expect(keychain.calls).toBe(1); // the new key, sealed
    secrets.set('gateway.password', 'Sup3r-Secret');
    secrets.set('sms.twilio.authToken', 'token-123');
    expect(secrets.get('gateway.password')).toBe('Sup3r-Secret');
    expect(keychain.calls).toBe(1);
    const stored = row('gateway.password');
    expect(stored.scheme).toBe('safe-storage');
    expect(stored.ciphertext.subarray(0, 4).toString()).toBe('ACS1');
    expect(stored.ciphertext.includes(Buffer.from('Sup3r-Secret'))).toBe(false);
    expect(row(SEALED_KEY_NAME).ciphertext.subarray(0, 3).toString()).toBe('v10');

    // The next start: the key is opened, not made again.
    const again = fakeKeychain(0x5a);
    const reopened = await store(again);
    expect(again.calls).toBe(1);
    expect(reopened.get('sms.twilio.authToken')).toBe('token-123');
  });

  it('moves credentials safeStorage encrypted directly under the key, and still reads the key file’s', async () => {
    const keychain = fakeKeychain(0x21);
    const legacy = Buffer.from(await keychain.encrypt('old-password'));
    db.prepare("INSERT INTO secrets (name, scheme, ciphertext, updated_at) VALUES ('gateway.password', 'safe-storage', ?, 1)").run(legacy);
    new SecretStore(db, fileBox(), systemClock).set('sms.generic.password', 'from-the-cli');

    const secrets = await store(keychain);
    expect(row('gateway.password').ciphertext.subarray(0, 4).toString()).toBe('ACS1');
    expect(secrets.get('gateway.password')).toBe('old-password');
    expect(row('sms.generic.password').scheme).toBe('file-key');
    expect(secrets.get('sms.generic.password')).toBe('from-the-cli');
  });

  it('makes a new key when the keychain cannot open the old one; the old credentials ask to be entered again', async () => {
    (await store(fakeKeychain(0x11))).set('gateway.password', 'Sup3r-Secret');
    const otherAccount = fakeKeychain(0x77);
    const secrets = await store(otherAccount);
    let error: AppError | undefined;
    try {
      secrets.get('gateway.password');
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.code).toBe('secrets.unreadable');
    secrets.set('gateway.password', 'entered-again');
    expect((await store(fakeKeychain(0x77))).get('gateway.password')).toBe('entered-again');
  });
});
