import type { Plugin } from 'vite';
import { sourceWorkerModule } from './nodeWorker.js';

const QUERY = '?nodeWorker';
const PREFIX = '\0autocall-node-worker:';

/**
 * `?nodeWorker` imports when vitest runs the sources (electron-vite's own
 * plugin only applies to builds): see core/workers/nodeWorker.ts.
 */
export function nodeWorkerFromSource(): Plugin {
  return {
    name: 'autocall:node-worker-from-source',
    enforce: 'pre',
    async resolveId(id, importer) {
      if (!id.endsWith(QUERY)) return null;
      const resolved = await this.resolve(id.slice(0, -QUERY.length), importer, { skipSelf: true });
      if (!resolved) throw new Error(`worker entry ${id} not found from ${importer ?? 'the root'}`);
      return PREFIX + resolved.id;
    },
    load(id) {
      return id.startsWith(PREFIX) ? sourceWorkerModule(id.slice(PREFIX.length)) : null;
    },
  };
}
