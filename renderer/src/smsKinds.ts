import type { SmsDeliveryRow } from '../../shared/types.js';

/** A task's two SMS follow-ups: on call disconnect and on unanswered call (docs/DOMAIN.md). */
export type SmsKind = SmsDeliveryRow['kind'];
export const SMS_KINDS: readonly SmsKind[] = ['disconnect', 'unanswered'];
