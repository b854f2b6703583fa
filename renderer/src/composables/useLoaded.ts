import { ref, type Ref } from 'vue';

export interface Loaded<T> {
  value: Ref<T>;
  loading: Ref<boolean>;
  /** Reads it again from the core; throws what the core refused (the page's action shows it). */
  load: () => Promise<void>;
  /** Waits for a change the core answers, then reloads, and resolves to the core's answer. */
  after: <R>(change: Promise<R>) => Promise<R>;
}

/**
 * What a Pinia store keeps of one thing the core holds (the recordings, the
 * rosters, the templates, the SMS account, the gateway settings): its last
 * value, whether it is loading, and reloading after a change.
 */
export function useLoaded<T>(fetch: () => Promise<T>, initial: T): Loaded<T> {
  const value = ref(initial) as Ref<T>;
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      value.value = await fetch();
    } finally {
      loading.value = false;
    }
  }

  return { value, loading, load, after: reloadAfter(load) };
}

/** `after(change)`: waits for a change the core answers, reloads with `load`, and resolves to the core's answer. */
export function reloadAfter(load: () => Promise<void>): <R>(change: Promise<R>) => Promise<R> {
  return async (change) => {
    const answer = await change;
    await load();
    return answer;
  };
}
