import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { formatWib } from '../../shared/time/wib.js';
import type { CoreContext } from '../context.js';
import { TaskStore } from './taskStore.js';

const BATCH = 5000;

/** Cells that start like a formula are prefixed so a spreadsheet shows them as text (CSV injection). */
function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^\+\d+$/.test(value) ? `'${value}` : value;
}

function csvField(value: string): string {
  return /[",\r\n;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Writes every number of a task with its outcome (the column peer systems'
 * exports lack, docs/DOMAIN.md) and the roster's own columns, streaming from the
 * store in id order so a million rows never sit in memory. The file appears
 * under its name only when complete.
 */
export async function exportTask(ctx: CoreContext, taskId: number, format: 'csv' | 'xlsx', path: string): Promise<number> {
  const store = new TaskStore(ctx.db);
  const variableNames = store.variableNames(taskId) ?? [];
  const header = [
    'row',
    'phone',
    'outcome',
    'state',
    'attempts',
    'last_attempt_wib',
    'sip_status',
    'q850_cause',
    'hung_up_by',
    'played_to_end',
    'sms',
    'sms_state',
    'sms_error',
    // Delivery reports (issue 10): pending, delivered, undelivered, expired, or untracked when the provider cannot say.
    'sms_delivery',
    'sms_delivery_detail',
    'sms_delivery_checked_wib',
    'dry_run',
    ...variableNames,
  ];

  const tmp = `${path}.part`;
  let rows = 0;
  try {
    const writer = format === 'csv' ? csvWriter(tmp) : await xlsxWriter(tmp);
    await writer.row(header);
    let last = 0;
    for (;;) {
      const batch = store.numbersAfter(taskId, last, BATCH);
      if (batch.length === 0) break;
      for (const { number: n, deliveryDetail, deliveryCheckedAt, variables: vars } of batch) {
        await writer.row([
          String(n.rowNumber),
          n.phoneE164,
          n.state === 'done' ? (n.outcome ?? '') : n.state === 'uncertain' ? 'uncertain' : 'not called',
          n.state,
          String(n.attempts),
          n.lastAttemptAt ? formatWib(n.lastAttemptAt, true) : '',
          n.finalStatus?.toString() ?? '',
          n.q850Cause?.toString() ?? '',
          n.hungUpBy ?? '',
          n.playedToEnd === null ? '' : n.playedToEnd ? 'yes' : 'no',
          n.sms?.kind ?? '',
          n.sms?.state ?? '',
          n.sms?.error ?? '',
          n.sms?.delivery ?? '',
          deliveryDetail ?? '',
          deliveryCheckedAt ? formatWib(deliveryCheckedAt, true) : '',
          n.dryRun ? 'yes' : 'no',
          ...variableNames.map((k) => safeCell(vars[k] ?? '')),
        ]);
        rows++;
      }
      last = batch[batch.length - 1]!.number.id;
    }
    await writer.close();
    await rename(tmp, path);
    return rows;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

interface RowWriter {
  row(values: string[]): Promise<void>;
  close(): Promise<void>;
}

function csvWriter(path: string): RowWriter {
  const out = createWriteStream(path);
  // A UTF-8 BOM so Excel opens Chinese and Indonesian text correctly.
  out.write('\uFEFF');
  return {
    async row(values) {
      if (!out.write(values.map(csvField).join(',') + '\r\n')) await once(out, 'drain');
    },
    async close() {
      out.end();
      await once(out, 'finish');
    },
  };
}

async function xlsxWriter(path: string): Promise<RowWriter> {
  // exceljs is loaded only to write an export: held from the start, it cost every core host ~29 MB of memory.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Calls');
  return {
    async row(values) {
      sheet.addRow(values).commit();
    },
    async close() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
