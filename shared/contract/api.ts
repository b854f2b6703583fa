import type { Result } from '../result.js';
import type { EventName, OperationName } from './operations.js';
import type { EventPayloads, OperationInput, OperationOutput } from './schemas.js';

type FeatureOf<K extends string> = K extends `${infer F}.${string}` ? F : never;
type OpOf<K extends string, F extends string> = K extends `${F}.${infer O}` ? O : never;

type Call<K extends OperationName> = (input: OperationInput<K>) => Promise<Result<OperationOutput<K>>>;

/**
 * What the renderer sees as `window.autocall`: one named function per
 * operation, grouped by feature (`autocall.roster.analyze(...)`), built from
 * the operation list by the preload and, in tests, by the bridge client.
 */
export type AutocallApi = {
  [F in FeatureOf<OperationName>]: {
    [O in OpOf<OperationName, F>]: Call<Extract<`${F}.${O}`, OperationName>>;
  };
} & {
  /** Listens to a main-to-renderer event; returns the function that stops listening. */
  subscribe<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /** The file-system path of a file the user picked or dropped (Electron's webUtils). */
  pathForFile(file: File): Promise<string>;
};
