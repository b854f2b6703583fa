import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { AppError } from '../errors.js';

export type SecretScheme = 'safe-storage' | 'file-key';

/**
 * Encrypts credentials (SIP password, SMS API keys) before they reach the
 * store. The desktop app uses Electron's safeStorage (OS keychain, DPAPI,
 * libsecret); the command line, where safeStorage does not exist, uses a
 * random key kept in a file only the user can read (mode 0600).
 */
export interface SecretBox {
  readonly scheme: SecretScheme;
  encrypt(plain: string): Buffer;
  /** Opens a secret of any scheme this box can read. */
  decrypt(scheme: SecretScheme, ciphertext: Buffer): string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM with a per-user key file. */
export class FileKeySecretBox implements SecretBox {
  readonly scheme = 'file-key' as const;
  private key: Buffer | undefined;

  constructor(private readonly keyFile: string) {}

  private loadKey(create: boolean): Buffer | undefined {
    if (this.key) return this.key;
    if (existsSync(this.keyFile)) {
      const mode = statSync(this.keyFile).mode & 0o777;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        // Someone widened the permissions: narrow them again rather than use a key others can read.
        chmodSync(this.keyFile, 0o600);
      }
      const key = readFileSync(this.keyFile);
      if (key.length !== KEY_BYTES) {
        throw new AppError('secrets.keyDamaged', { file: this.keyFile });
      }
      this.key = key;
      return key;
    }
    if (!create) return undefined;
    const key = randomBytes(KEY_BYTES);
    writeFileSync(this.keyFile, key, { mode: 0o600, flag: 'wx' });
    this.key = key;
    return key;
  }

  encrypt(plain: string): Buffer {
    const key = this.loadKey(true)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(scheme: SecretScheme, ciphertext: Buffer): string {
    if (scheme !== 'file-key') {
      throw new AppError('secrets.otherScheme');
    }
    const key = this.loadKey(false);
    if (!key) {
      throw new AppError('secrets.keyMissing', { file: this.keyFile });
    }
    try {
      const iv = ciphertext.subarray(0, IV_BYTES);
      const tag = ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new AppError('secrets.unreadable');
    }
  }
}
