import { defineStore } from 'pinia';
import type { SmsAccountView, SmsProvider, SmsSendResult } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { useLoaded } from '../composables/useLoaded.js';

export interface SmsAccountDraft {
  provider: SmsProvider;
  active: boolean;
  config: Record<string, string>;
  /** Only the secrets the user typed: a secret left out keeps its stored value. */
  secrets: Record<string, string>;
}

/** Settings > SMS account. Secret values never come back from the core, only whether each one is set. */
export const useSmsAccountStore = defineStore('smsAccount', () => {
  const { value: account, loading, load } = useLoaded<SmsAccountView | null>(() => unwrap(autocall().smsAccount.get({})), null);

  async function save(draft: SmsAccountDraft): Promise<SmsAccountView> {
    account.value = await unwrap(autocall().smsAccount.save(draft));
    return account.value;
  }

  function test(to: string, text?: string): Promise<SmsSendResult> {
    return unwrap(autocall().smsAccount.test({ to, ...(text ? { text } : {}) }));
  }

  return { account, loading, load, save, test };
});
