import { afterEach, describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { UiError } from '../api/call.js';
import { i18n } from '../i18n/index.js';
import { useAction } from './useAction.js';

/** A promise the test settles by hand, to look at the state while a run is in progress. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useAction', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('is busy while the run is in progress and keeps the value it answered', async () => {
    const pending = deferred<number>();
    const action = useAction((a: number, b: number) => pending.promise.then((x) => x + a + b));
    const running = action.run(1, 2);
    expect(action.busy.value).toBe(true);
    expect(action.result.value).toBeNull();
    pending.resolve(39);
    expect(await running).toBe(true);
    expect(action.busy.value).toBe(false);
    expect(action.result.value).toBe(42);
    expect(action.error.value).toBeNull();
  });

  it('puts the core’s translated refusal in error, never throws, and forgets the last result', async () => {
    let fail = false;
    const action = useAction(async () => {
      if (fail) throw new UiError('recording.notMp3', 'This file is not an MP3.');
      return 'ok';
    });
    await action.run();
    fail = true;
    expect(await action.run()).toBe(false);
    expect(action.error.value).toBe('This file is not an MP3.');
    expect(action.result.value).toBeNull();
    expect(action.busy.value).toBe(false);
  });

  it('says "something went wrong" in the chosen language for what is no core error', async () => {
    i18n.global.locale.value = 'id';
    const action = useAction(async () => {
      throw new TypeError('x is undefined');
    });
    await action.run();
    expect(action.error.value).toBe(i18n.global.t('errors.internal'));
    expect(action.error.value).not.toBe(i18n.global.t('errors.internal', {}, { locale: 'en' }));
  });

  it('clears the last failure when the user tries again', async () => {
    const pending = deferred<void>();
    let first = true;
    const action = useAction(async () => {
      if (first) {
        first = false;
        throw new UiError('x', 'refused');
      }
      await pending.promise;
    });
    await action.run();
    expect(action.error.value).toBe('refused');
    const again = action.run();
    expect(action.error.value).toBeNull();
    pending.resolve();
    await again;
  });

  it('words the failure with the run’s arguments and tells onError', async () => {
    const told: string[] = [];
    const action = useAction(
      async (file: { name: string }) => {
        throw new UiError('recording.notMp3', `${file.name} is not an MP3.`);
      },
      { failure: (reason, [file]) => `Could not upload ${file.name}: ${reason}`, onError: (message) => told.push(message) },
    );
    await action.run({ name: 'a.wav' });
    expect(action.error.value).toBe('Could not upload a.wav: a.wav is not an MP3.');
    expect(told).toEqual(['Could not upload a.wav: a.wav is not an MP3.']);
  });

  it('shares one page alert between actions: each run replaces what is shown', async () => {
    const error = ref<string | null>(null);
    const load = useAction(async () => {
      throw new UiError('a', 'could not load');
    }, { error });
    const play = useAction(async () => 'played', { error });
    await load.run();
    expect(error.value).toBe('could not load');
    expect(play.error).toBe(error);
    await play.run();
    expect(error.value).toBeNull();
  });

  it('in the background keeps the last result and failure while it runs, and takes back only its own failure', async () => {
    const error = ref<string | null>(null);
    let answer: () => Promise<number> = async () => 1;
    const refresh = useAction(() => answer(), { error, background: true });
    await refresh.run();
    answer = async () => {
      throw new UiError('a', 'refresh failed');
    };
    await refresh.run();
    expect(refresh.result.value).toBe(1);
    expect(error.value).toBe('refresh failed');

    const pending = deferred<number>();
    answer = () => pending.promise;
    const running = refresh.run();
    expect(error.value).toBe('refresh failed');
    expect(refresh.result.value).toBe(1);
    pending.resolve(2);
    await running;
    expect(error.value).toBeNull();
    expect(refresh.result.value).toBe(2);

    // Another action's failure in the same alert stays until the user closes it.
    error.value = 'export failed';
    answer = async () => 3;
    await refresh.run();
    expect(error.value).toBe('export failed');
  });
});
