/**
 * Runs `fn` at most once per `ms`, at the end of the interval (trailing):
 * task.changed can fire for every call that ends, and a page needs only the
 * last state, not one reload per event.
 */
export function trailingThrottle(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  return {
    call() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, Math.max(0, last + ms - Date.now()));
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Runs `fn` once `ms` after the last call (trailing debounce): a search box
 * asks the core once the user stops typing, not once per key.
 */
export function debounce(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    call() {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}
