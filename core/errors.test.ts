import { describe, expect, it } from 'vitest';
import { AppError, problem, problemOf, toErrorShape } from './errors.js';

describe('AppError and problem()', () => {
  it('take their English sentence from the catalog, filled in with the params', () => {
    const err = new AppError('dnc.notListed', { phone: '+6281234567890' });
    expect(err.message).toBe('+6281234567890 is not on the do-not-call list.');
    expect(err.toJSON()).toEqual({ code: 'dnc.notListed', message: err.message, params: { phone: '+6281234567890' } });
    expect(new AppError('task.nameEmpty').toJSON()).toEqual({ code: 'task.nameEmpty', message: 'Enter a task name.' });
    expect(problem('media.workerFailed', { detail: 'exit 1' })).toEqual({
      code: 'media.workerFailed',
      message: 'The call audio thread stopped (exit 1); the call was ended. It starts again for the next call.',
      params: { detail: 'exit 1' },
    });
  });

  it('keep params the sentence does not name (the renderer and the stored row use them)', () => {
    expect(new AppError('roster.notFound', { id: 7 }).params).toEqual({ id: 7 });
  });

  it('check the code and the params when compiling (npm run typecheck)', () => {
    // @ts-expect-error -- a misspelt code
    expect(() => problem('sip.noRespons', {})).toThrow('No message for the error code sip.noRespons.');
    // @ts-expect-error -- a sentence with {phone} needs it
    expect(new AppError('dnc.notListed', {}).message).toBe(' is not on the do-not-call list.');
    // @ts-expect-error -- the old form with its own English sentence (node /work/tools/catalog-codemod.mjs rewrites it)
    expect(new AppError('task.nameEmpty', 'Enter a name.').message).toBe('Enter a task name.');
  });

  it('rethrow a problem that already has its sentence as it came (AppError.of)', () => {
    const shape = { code: 'media.openFailed', message: 'Worded elsewhere.', params: { detail: 'x' } };
    const err = AppError.of(shape);
    expect(err).toBeInstanceOf(AppError);
    expect(err.toJSON()).toEqual(shape);
    expect(AppError.of({ code: 'not.inTheCatalog', message: 'Kept.' }).toJSON()).toEqual({ code: 'not.inTheCatalog', message: 'Kept.' });
  });

  it('report anything else as internal, with the catalog’s sentence', () => {
    expect(toErrorShape(new Error('boom'))).toEqual({ code: 'internal', message: 'Something went wrong inside the app. The details are in the log file; try again.' });
    expect(problemOf(new Error('boom'), (detail) => problem('call.notPlaced', { detail }))).toEqual({
      code: 'call.notPlaced',
      message: 'The call could not be placed (boom).',
      params: { detail: 'boom' },
    });
  });
});
