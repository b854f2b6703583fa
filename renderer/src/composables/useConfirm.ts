import { ref, shallowRef, type Ref } from 'vue';

export interface Confirm<T> {
  /** What the dialog asks about; kept after it closes, so its text does not change while it fades out. */
  subject: Ref<T | null>;
  /** The dialog's v-model. */
  open: Ref<boolean>;
  /** Opens the dialog about `subject`. */
  ask: (subject: T) => void;
}

/**
 * The state of a dialog that asks about one thing (delete this recording,
 * pause this task, reject this template): what it is about and whether it
 * is open. The dialog itself (ConfirmDialog, PromptDialog) runs the action.
 */
export function useConfirm<T>(): Confirm<T> {
  const subject = shallowRef<T | null>(null) as Ref<T | null>;
  const open = ref(false);
  return {
    subject,
    open,
    ask(value: T) {
      subject.value = value;
      open.value = true;
    },
  };
}
