import { sqlMigration } from './migration.js';

/**
 * The dialer lease's epoch, incremented by every take-over. Each write a
 * dialer makes checks it (core/tasks/lease.ts), so a process paused past its
 * lease that wakes up believing it still dials changes nothing
 * (docs/ARCHITECTURE.md, "Fencing"). A lease row left by an older version
 * starts at epoch 0; the next take-over makes it 1.
 */
export const m0009LeaseEpoch = sqlMigration('0009-lease-epoch', 'ALTER TABLE leases ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0');
