import { afterEach, describe, expect, it } from 'vitest';
import { taskCreateSchema } from '../../shared/tasks/taskSchema.js';
import { APP_LOCALES, i18n } from './i18n/index.js';
import { fieldErrors } from './schemaMessages.js';
import { taskNameError } from './taskName.js';

/** A task.create request with one problem in each field the wizard shows. */
const wrong = {
  name: 'Promo @ 50%',
  recordingId: 1,
  rosterId: null,
  start: { mode: 'scheduled', at: '2026-02-30 09:00' },
  maxAttempts: 3,
  retryIntervalMinutes: 0,
  callingWindow: { start: '08:00', end: '24:00' },
};

describe('the wizard shows the task schema’s problems per field, translated', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('gives each field its own sentence in English, with the values filled in', () => {
    const errors = fieldErrors(taskCreateSchema.safeParse(wrong));
    expect(Object.fromEntries(Object.entries(errors).map(([field, e]) => [field, e.message]))).toEqual({
      name: 'The task name contains characters that are not allowed: @%. Use Chinese characters, English letters and digits, with single spaces between words (for example "January 2026 Promotion").',
      rosterId: 'The request was not valid (rosterId). Check the values and try again.',
      'start.at': 'The start date 2026-02-30 does not exist: that month has 28 days. Correct the date.',
      retryIntervalMinutes: 'The retry interval must be between 1 and 1440 minutes.',
      'callingWindow.end': 'The calling window’s end 24:00 is not a time of day: use 00:00 to 23:59 (WIB); for midnight, use 00:00.',
    });
    expect(errors['start.at']?.code).toBe('task.badStartDate');
  });

  it.each(APP_LOCALES)('has every problem translated in %s, with no placeholder left', (locale) => {
    i18n.global.locale.value = locale;
    const inputs = [
      wrong,
      { ...wrong, name: '', maxAttempts: 11, callingWindow: { start: '24:00', end: '08:00' }, start: { mode: 'scheduled', at: '2026-02-01 24:00' } },
      { ...wrong, name: 'a  b', maxAttempts: 2, retryIntervalMinutes: 5000, callingWindow: { start: '08:00', end: '08:00' }, start: { mode: 'scheduled', at: 'x' } },
      { ...wrong, name: 'x'.repeat(61) },
    ];
    const seen = new Set<string>();
    for (const input of inputs) {
      for (const error of Object.values(fieldErrors(taskCreateSchema.safeParse(input)))) {
        seen.add(error.code);
        expect(error.message).not.toMatch(/[{}]|^errors\./);
        if (locale !== 'en') {
          i18n.global.locale.value = 'en';
          const english = fieldErrors(taskCreateSchema.safeParse(input));
          i18n.global.locale.value = locale;
          // Translated, not the English fallback (the catalog's shape is checked by the type, its texts here).
          expect(Object.values(english).map((e) => e.message)).not.toContain(error.message);
        }
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'contract.invalidInput',
        'task.badAttempts',
        'task.badRetryInterval',
        'task.badStartClock',
        'task.badStartDate',
        'task.badStartTime',
        'task.badWindow',
        'task.badWindowEnd',
        'task.badWindowStart',
        'task.nameBadCharacters',
        'task.nameBadSpaces',
        'task.nameEmpty',
        'task.nameTooLong',
      ].sort(),
    );
  });

  it('says what is wrong with a name for Edit and call again as the wizard does', () => {
    expect(taskNameError('January 2026 Promotion')).toBeNull();
    expect(taskNameError('Promo #1')).toContain('#');
    i18n.global.locale.value = 'zh';
    expect(taskNameError('')).toBe(i18n.global.t('errors.task.nameEmpty'));
    expect(taskNameError('')).not.toBe('Enter a task name.');
  });
});
