import { ref, shallowRef, type Ref } from 'vue';

export interface Confirm<T, A extends unknown[] = []> {
  /** What the dialog asks about; kept after it closes, so its text does not change while it fades out. */
  subject: Ref<T | null>;
  /** Whether the dialog is open. */
  open: Ref<boolean>;
  /** Opens the dialog about `subject`. */
  ask(subject: T): void;
  /** The dialog's submit: the action, about the subject asked about, with what the dialog adds (a prompt's text). */
  run(...args: A): Promise<unknown>;
}

/**
 * A dialog that asks about one thing (delete this recording, pause this
 * task, reject this template): what it is about, whether it is open, and
 * the action it runs about it. The dialog (ConfirmDialog, DeleteDialog,
 * TextPromptDialog) takes the whole of it as `confirm`; the action gets
 * the subject as its argument, so no page reads it back from a ref that
 * could be null. Without `action` the dialog acts by itself (the template
 * editor saves what it edits).
 */
export function useConfirm<T, A extends unknown[] = []>(action?: (subject: T, ...args: A) => Promise<unknown>): Confirm<T, A> {
  const subject = shallowRef<T | null>(null) as Ref<T | null>;
  const open = ref(false);
  return {
    subject,
    open,
    ask(value: T) {
      subject.value = value;
      open.value = true;
    },
    async run(...args: A) {
      // The dialog only submits once `ask` has set the subject (T may itself allow null: "a new template").
      await action?.(subject.value as T, ...args);
    },
  };
}
