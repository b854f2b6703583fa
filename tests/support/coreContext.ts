import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.js';
import type { CoreContext, Emit } from '../../core/context.js';
import { FileKeySecretBox } from '../../core/credentials/secretBox.js';
import { SecretStore } from '../../core/credentials/secretStore.js';
import { openDatabase } from '../../core/db/database.js';
import { BlobStore } from '../../core/files/blobStore.js';
import { silentLogger } from '../../core/log.js';
import type { EventName } from '../../shared/contract/operations.js';
import type { EventPayloads } from '../../shared/contract/schemas.js';

export interface RecordedEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
}

export interface TestContext {
  ctx: CoreContext;
  /** Every event the core emitted, in order. */
  events: RecordedEvent[];
  /** The payloads of one event, in order. */
  eventsOf<E extends EventName>(event: E): EventPayloads[E][];
  close(): void;
}

/**
 * A real CoreContext in `dir`: a SQLite file (openDatabase, all migrations),
 * a BlobStore in dir/blobs, secrets encrypted with a key file in dir,
 * the system clock, a silent logger, the global fetch, and an emit that
 * keeps what it is given. Pass `clock` or `fetch` to replace those.
 */
export function makeTestContext(dir: string, overrides: { clock?: Clock; fetch?: typeof fetch } = {}): TestContext {
  const db = openDatabase(join(dir, 'autocall.db'));
  const blobs = new BlobStore(join(dir, 'blobs'));
  // What BlobStore.init() makes, done synchronously so the helper can be used in a plain beforeEach.
  mkdirSync(join(blobs.dir, '.tmp'), { recursive: true });
  const clock = overrides.clock ?? systemClock;
  const events: RecordedEvent[] = [];
  const emit: Emit = (event, payload) => {
    events.push({ event, payload } as RecordedEvent);
  };
  const ctx: CoreContext = {
    dataDir: dir,
    db,
    blobs,
    secrets: new SecretStore(db, new FileKeySecretBox(join(dir, 'secret.key')), clock),
    clock,
    log: silentLogger,
    emit,
    fetch: overrides.fetch ?? globalThis.fetch,
  };
  return {
    ctx,
    events,
    eventsOf: <E extends EventName>(event: E) => events.filter((e) => e.event === event).map((e) => e.payload as EventPayloads[E]),
    close: () => db.close(),
  };
}
