import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** One JSON line per entry; credentials are never passed to the logger. */
export function fileLogger(file: string): Logger {
  mkdirSync(dirname(file), { recursive: true });
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    try {
      appendFileSync(file, JSON.stringify({ t: new Date().toISOString(), level, message, ...fields }) + '\n');
    } catch {
      // Logging must never take the app down.
    }
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
