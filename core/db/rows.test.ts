import { describe, expect, it } from 'vitest';
import { fromRow } from './rows.js';

describe('fromRow', () => {
  it('copies only the listed columns, under their camelCase names', () => {
    const row = { id: 3, original_file_name: 'Promo.mp3', size_bytes: 1024, sha256: 'ab12', created_at: 5, rejection_reason: null };
    const mapped = fromRow(row, ['id', 'original_file_name', 'size_bytes', 'created_at', 'rejection_reason']);
    expect(mapped).toEqual({ id: 3, originalFileName: 'Promo.mp3', sizeBytes: 1024, createdAt: 5, rejectionReason: null });
    expect(mapped).not.toHaveProperty('sha256');
  });

  it('turns every underscore-led part into a capital, digits included', () => {
    expect(fromRow({ n_sms_delivered: 1, window_start: '08:00', q850_cause: 16 }, ['n_sms_delivered', 'window_start', 'q850_cause'])).toEqual({
      nSmsDelivered: 1,
      windowStart: '08:00',
      q850Cause: 16,
    });
  });
});
