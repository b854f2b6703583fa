import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { GatewaySettings, GatewayTestView, GatewayView, TestCallResult } from '../../../shared/types.js';
import { autocall, messageOf, unwrap } from '../api/call.js';
import { useLoaded } from '../composables/useLoaded.js';

/** The test call of Settings > Gateway: what was dialled, how far it is, and how it ended. */
export interface TestCallState {
  to: string;
  recordingId: number;
  status: 'running' | 'cancelling' | 'done';
  result: TestCallResult | null;
  /** Why it could not be placed or cancelled, in the language of that moment. */
  error: string | null;
}

/** Settings > Gateway. The password never comes back from the core, only whether one is saved. */
export const useGatewayStore = defineStore('gateway', () => {
  const { value: gateway, loading, load } = useLoaded<GatewayView | null>(() => unwrap(autocall().gateway.get({})), null);
  /**
   * The form holds changes not saved yet. The tests run on the saved
   * settings, so they wait for a save rather than test something else than
   * what the user sees.
   */
  const dirty = ref(false);
  /** Why the tests cannot run now (a key under settings.gateway.test), or null when they can. */
  const testBlocker = computed<'saveFirst' | 'hostFirst' | null>(() => {
    if (dirty.value) return 'saveFirst';
    if (gateway.value && !gateway.value.host) return 'hostFirst';
    return null;
  });

  /** `password` undefined keeps the stored one. */
  async function save(settings: GatewaySettings, password?: string): Promise<GatewayView> {
    gateway.value = await unwrap(autocall().gateway.save({ settings, ...(password !== undefined ? { password } : {}) }));
    return gateway.value;
  }

  /** Removes the saved password; the other settings stay as saved (the form's unsaved changes are not saved with it). */
  async function removePassword(): Promise<GatewayView> {
    if (!gateway.value) throw new Error('gateway settings not loaded');
    const { passwordSet: _passwordSet, ...saved } = gateway.value;
    return save(saved, '');
  }

  function test(): Promise<GatewayTestView> {
    return unwrap(autocall().gateway.test({}));
  }

  /**
   * The test call in progress or the last one. It lives here, not in the
   * card, because the call goes on in the core when the user leaves the
   * page: coming back must show it still running (with Cancel), then its result.
   */
  const testCall = ref<TestCallState | null>(null);

  /** Places a test call; resolves when it has ended, its result (or error) in `testCall`. */
  async function placeTestCall(to: string, recordingId: number): Promise<void> {
    testCall.value = { to, recordingId, status: 'running', result: null, error: null };
    const call = testCall.value; // the reactive state, so the card follows each change
    try {
      call.result = await unwrap(autocall().gateway.testCall({ to, recordingId }));
    } catch (err) {
      call.error = messageOf(err);
    } finally {
      call.status = 'done';
    }
  }

  /** Ends the test call in progress (CANCEL or BYE); placeTestCall() then records a result with cancelledByUser. */
  async function cancelTestCall(): Promise<void> {
    const call = testCall.value;
    if (call?.status !== 'running') return;
    call.status = 'cancelling';
    try {
      await unwrap(autocall().gateway.cancelTestCall({}));
    } catch (err) {
      call.error = messageOf(err);
      if (call.status === 'cancelling') call.status = 'running'; // still ringing: Cancel can be pressed again
    }
  }

  return { gateway, loading, dirty, testBlocker, testCall, load, save, removePassword, test, placeTestCall, cancelTestCall };
});
