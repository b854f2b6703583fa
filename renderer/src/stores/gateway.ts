import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { GatewaySettings, GatewayTestView, GatewayView, TestCallResult } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/** Settings > Gateway. The password never comes back from the core, only whether one is saved. */
export const useGatewayStore = defineStore('gateway', () => {
  const gateway = ref<GatewayView | null>(null);
  const loading = ref(false);
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

  async function load(): Promise<void> {
    loading.value = true;
    try {
      gateway.value = await unwrap(autocall().gateway.get({}));
    } finally {
      loading.value = false;
    }
  }

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

  function testCall(to: string, recordingId: number): Promise<TestCallResult> {
    return unwrap(autocall().gateway.testCall({ to, recordingId }));
  }

  /** Ends the test call in progress; its testCall() then resolves with cancelledByUser. */
  function cancelTestCall(): Promise<void> {
    return unwrap(autocall().gateway.cancelTestCall({}));
  }

  return { gateway, loading, dirty, testBlocker, load, save, removePassword, test, testCall, cancelTestCall };
});
