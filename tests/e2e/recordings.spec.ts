import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeMp3 } from '../support/mp3Files.js';
import { makeTempDir } from '../support/tmp.js';
import { expect, screenshot, test } from './fixtures.js';

const FIXTURES = join(process.cwd(), 'tests', 'fixtures', 'recordings');

test('upload an MP3 by the button, see its duration, play, rename and delete it', async ({ app }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    const mp3 = makeMp3(tmp.dir, 'Promotion Campaign - Chinese.mp3', { seconds: 3, rate: 44100, channels: 2 });
    await app.goto('/recordings');
    await expect(page.getByTestId('recording-table')).toContainText('No recordings yet');

    await page.getByTestId('recording-upload-input').setInputFiles(mp3);
    await expect(page.getByTestId('recording-notice')).toBeVisible();
    const row = page.getByTestId('recording-table').locator('tbody tr').first();
    await expect(row.getByTestId('recording-name')).toContainText('Promotion Campaign - Chinese');
    await expect(row.getByTestId('recording-duration')).toHaveText('0:03');
    await expect(row).toContainText('WIB');

    // Play the original in the app: a Blob URL in an <audio> element that the browser can decode.
    await row.getByTestId('recording-play').click();
    const audio = page.getByTestId('recording-audio');
    await expect(audio).toHaveAttribute('src', /^blob:/);
    const seconds = await audio.evaluate(
      (el: HTMLAudioElement) =>
        new Promise<number>((resolve, reject) => {
          if (el.readyState >= 1) return resolve(el.duration);
          el.addEventListener('loadedmetadata', () => resolve(el.duration), { once: true });
          el.addEventListener('error', () => reject(new Error('audio error')), { once: true });
        }),
    );
    expect(seconds).toBeGreaterThan(2.8);
    expect(seconds).toBeLessThan(3.3);
    await screenshot(page, 'recordings');
    await page.getByTestId('recording-player-close').click();
    await expect(page.getByTestId('recording-player')).toHaveCount(0);

    await row.getByTestId('recording-rename').click();
    await page.getByTestId('prompt-input').locator('input').fill('Promo Januari');
    await page.getByTestId('prompt-submit').click();
    await expect(row.getByTestId('recording-name')).toContainText('Promo Januari');

    await row.getByTestId('recording-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId('recording-table')).toContainText('No recordings yet');
    expect(app.consoleErrors).toEqual([]);
  } finally {
    tmp.cleanup();
  }
});

test('a file that is not an MP3 shows the core’s reason and adds nothing', async ({ app }) => {
  const { page } = app;
  await app.goto('/recordings');
  await page.getByTestId('recording-upload-input').setInputFiles(join(FIXTURES, 'notes-renamed.mp3'));
  const error = page.getByTestId('recording-error');
  await expect(error).toContainText('notes-renamed.mp3');
  await expect(error).toContainText('not an MP3');
  await expect(page.getByTestId('recording-table')).toContainText('No recordings yet');

  await page.getByTestId('recording-upload-input').setInputFiles(join(FIXTURES, 'empty.mp3'));
  await expect(error).toContainText('empty');
  await screenshot(page, 'recordings-error');
});

test('an MP3 dropped onto the page is uploaded', async ({ app }) => {
  const { page } = app;
  const tmp = makeTempDir();
  try {
    const mp3 = makeMp3(tmp.dir, 'dropped.mp3', { seconds: 2, rate: 22050, channels: 1 });
    await app.goto('/recordings');
    const dataTransfer = await page.evaluateHandle(
      ({ base64, name }) => {
        const binary = atob(base64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'audio/mpeg' }));
        return transfer;
      },
      { base64: readFileSync(mp3).toString('base64'), name: 'dropped.mp3' },
    );
    const zone = page.getByTestId('recording-upload-drop-zone');
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await expect(zone).toHaveClass(/drop-zone--active/);
    await zone.dispatchEvent('drop', { dataTransfer });
    await expect(page.getByTestId('recording-duration')).toHaveText('0:02');
  } finally {
    tmp.cleanup();
  }
});
