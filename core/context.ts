import type { EventName } from '../shared/contract/operations.js';
import type { EventPayloads } from '../shared/contract/schemas.js';
import type { Clock } from './clock.js';
import type { SecretStore } from './credentials/secretStore.js';
import type { Db } from './db/database.js';
import type { BlobStore } from './files/blobStore.js';
import type { Logger } from './log.js';

export type Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** What every service of the core is built from; all of it injected, nothing global. */
export interface CoreContext {
  dataDir: string;
  db: Db;
  blobs: BlobStore;
  secrets: SecretStore;
  clock: Clock;
  log: Logger;
  emit: Emit;
  /**
   * HTTP client for SMS providers; injectable so tests can count requests.
   * Absent: the policy-checked client of core/net/outbound.ts, which connects
   * only to the address it checked.
   */
  fetch?: typeof fetch;
}
