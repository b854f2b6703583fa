import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeCsv } from '../../tests/support/rosterFiles.js';
import { makeTempDir } from '../../tests/support/tmp.js';
import startCsvWorker from './csvParse.worker?nodeWorker';
import type { CsvWorkerData } from './csvParse.worker.js';
import { PREPARED_BATCH_ENTRIES } from './preparedRows.js';
import { DEFAULT_ROSTER_LIMITS } from './rosterLimits.js';
import { type ReaderCredit, type ReaderMessage } from './sheetRows.js';

/**
 * The reader's worker runs ahead of the writer by a bounded number of
 * messages: it stops parsing when it holds no credit, and goes on when the
 * caller takes a message (csvParse.worker.ts). Without that, a writer
 * slower than the parse let batches pile up in memory (bench/roster.ts's
 * peak RSS).
 */
describe('the roster reader waits for the writer', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('autocall-backpressure-');
  });
  afterEach(() => tmp.cleanup());

  it('posts at most `ahead` messages (and the rest of one read batch) until it is given credits, then the whole file', async () => {
    const rows = 40_000;
    const lines = ['Name,Phone'];
    for (let i = 0; i < rows; i++) lines.push(`Customer ${i},08${1_200_000_000 + i}`);
    const path = writeCsv(tmp.dir, 'big.csv', lines);
    const ahead = 3;
    const workerData: CsvWorkerData = {
      path,
      fileName: 'big.csv',
      delimiter: ',',
      newline: '\r\n',
      chunkBytes: 16 * 1024,
      ahead,
      maxCellLength: DEFAULT_ROSTER_LIMITS.maxCellLength,
      prepare: { fileName: 'big.csv', limits: DEFAULT_ROSTER_LIMITS, phoneColumn: undefined },
    };
    const worker = startCsvWorker({ workerData });
    const received: ReaderMessage[] = [];
    let done = false;
    worker.on('message', (m: ReaderMessage) => {
      received.push(m);
      if ('done' in m || 'failed' in m) done = true;
    });
    try {
      // Long enough for the worker to parse the whole file, were it not held back.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // One chunk's rows (16 KiB of lines longer than 20 bytes) are prepared and posted together.
      const perReadBatch = Math.ceil((16 * 1024) / 20 / PREPARED_BATCH_ENTRIES);
      expect(received.length).toBeGreaterThanOrEqual(ahead);
      expect(received.length).toBeLessThanOrEqual(ahead + perReadBatch + 1);
      expect(done).toBe(false);

      let entries = 0;
      for (let taken = 0; !done || taken < received.length; ) {
        if (taken < received.length) {
          const m = received[taken++]!;
          if ('failed' in m) throw new Error(m.failed.message);
          if ('out' in m && 'prepared' in m.out) entries += m.out.prepared.entries.count;
          worker.postMessage(1 satisfies ReaderCredit);
        } else {
          await once(worker, 'message');
        }
      }
      expect(entries).toBe(rows);
    } finally {
      await worker.terminate();
    }
  });
});
