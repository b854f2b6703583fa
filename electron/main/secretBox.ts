import { safeStorage } from 'electron';
import { AppError } from '../../core/errors.js';
import { FileKeySecretBox, type SecretBox, type SecretScheme } from '../../core/credentials/secretBox.js';

/**
 * Credentials in the desktop app: Electron's safeStorage (Keychain, DPAPI,
 * libsecret/kwallet). On Linux without a keyring safeStorage falls back to a
 * hard-coded key ("basic_text"), which protects nothing: there the app uses
 * the same 0600 key file as the command line instead. Secrets saved by the
 * command line (file-key) stay readable here.
 */
export function createDesktopSecretBox(cliKeyFile: string): SecretBox {
  const fileBox = new FileKeySecretBox(cliKeyFile);
  const linuxBackend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null;
  const usable = safeStorage.isEncryptionAvailable() && linuxBackend !== 'basic_text' && linuxBackend !== 'unknown';
  if (!usable) return fileBox;
  return {
    scheme: 'safe-storage',
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (scheme: SecretScheme, ciphertext: Buffer) => {
      if (scheme === 'file-key') return fileBox.decrypt(scheme, ciphertext);
      try {
        return safeStorage.decryptString(ciphertext);
      } catch {
        throw new AppError('secrets.unreadable', 'A saved credential could not be decrypted on this computer account. Enter it again.');
      }
    },
  };
}
