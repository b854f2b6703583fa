import { ref, type Ref } from 'vue';
import { messageOf } from '../api/call.js';

export interface ActionOptions<A extends unknown[]> {
  /**
   * Where a failure is shown. Several actions of one page may share the
   * page's one alert; the action has an error of its own when omitted.
   */
  error?: Ref<string | null>;
  /** The sentence shown for a failure, from the translated reason and the run's arguments (the reason alone by default). */
  failure?: (reason: string, args: A) => string;
  /** Also told each failure: a card that shows its failures in its page's alert emits them. */
  onError?: (message: string) => void;
  /**
   * A refresh the user did not ask for (a timer, a task.changed event): the
   * last result and failure stay shown until it has a new one, so a
   * refresh every few seconds does not make them blink. A refresh that
   * succeeds takes back only its own failure, not another action's in a
   * shared alert.
   */
  background?: boolean;
}

export interface Action<A extends unknown[], R> {
  /** True while a run is in progress (a button's :loading). */
  busy: Ref<boolean>;
  /** The failure of the last run in the user's language, null after a run that succeeded. */
  error: Ref<string | null>;
  /** The value of the last run that succeeded, null until then and while a run is in progress (unless `background`). */
  result: Ref<R | null>;
  /** Runs the action; resolves true when it succeeded, false when its failure was put in `error`. */
  run: (...args: A) => Promise<boolean>;
}

/**
 * One user action that talks to the core: its busy flag, its failure as a
 * sentence (`messageOf`: the core's coded error in the chosen language) and
 * its result. A run never throws, so a click handler or onMounted can call
 * it as it is; whatever should happen after a success goes into `fn`.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>, options: ActionOptions<NoInfer<A>> = {}): Action<A, R> {
  const busy = ref(false);
  const error = options.error ?? ref<string | null>(null);
  const result = ref(null) as Ref<R | null>;
  let lastFailure: string | null = null;

  async function run(...args: A): Promise<boolean> {
    busy.value = true;
    if (!options.background) {
      error.value = null;
      result.value = null;
    }
    try {
      result.value = await fn(...args);
      if (error.value === lastFailure) error.value = null;
      lastFailure = null;
      return true;
    } catch (err) {
      const reason = messageOf(err);
      lastFailure = options.failure ? options.failure(reason, args) : reason;
      error.value = lastFailure;
      options.onError?.(lastFailure);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, result, run };
}
