import { onBeforeUnmount, onMounted } from 'vue';
import { useTasksStore } from './stores/tasks.js';
import { trailingThrottle } from './throttle.js';

export interface LiveUpdateOptions {
  /** Only this task's changes reload (read when a change arrives); every task's when omitted. */
  taskId?: () => number;
  /** At most one reload per this many ms however many calls end (default 500). */
  throttleMs?: number;
  /** Also on a timer, for what moves without a task change (elapsed time, calls per minute). */
  every?: { ms: number; run: () => void };
}

/**
 * A live view of tasks: `onChange` runs when the component mounts and again
 * after the core's task.changed events (throttled, trailing), until it
 * unmounts. The dashboard, the task page and the task's SMS cards share it.
 */
export function useLiveTaskUpdates(onChange: () => void, options: LiveUpdateOptions = {}): void {
  const tasks = useTasksStore();
  const reload = trailingThrottle(onChange, options.throttleMs ?? 500);
  let stop: (() => void) | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    stop = tasks.onTaskChanged((id) => {
      if (!options.taskId || id === options.taskId()) reload.call();
    });
    if (options.every) timer = setInterval(options.every.run, options.every.ms);
    onChange();
  });
  onBeforeUnmount(() => {
    stop?.();
    reload.cancel();
    clearInterval(timer);
  });
}
