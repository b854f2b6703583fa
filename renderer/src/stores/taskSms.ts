import { defineStore } from 'pinia';
import type { SmsDeliveryFilter } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/**
 * A task's SMS follow-up (issue 10): the SMS a crash left uncertain, sent
 * again only on the user's word, and the delivery of each accepted SMS.
 */
export const useTaskSmsStore = defineStore('taskSms', () => {
  const uncertain = (id: number) => unwrap(autocall().task.uncertainSms({ id }));
  /** Only after the user confirmed that the customer may receive the SMS twice. */
  const resend = (id: number, sms: 'all' | number[]) => unwrap(autocall().task.resendSms({ id, sms, acceptDuplicate: true }));
  const deliveries = (id: number, filter: SmsDeliveryFilter, page: number, pageSize: number) =>
    unwrap(autocall().task.smsDeliveries({ id, filter, page, pageSize }));
  return { uncertain, resend, deliveries };
});
