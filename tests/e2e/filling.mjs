// Helpers for filling the built-in forms through the page, shared by the
// end-to-end suites.
import { byTestId, ready, newPath } from './harness.mjs';

export const q = (page, id) => byTestId(page, `question-${id}`);
export const fill = (page, id, value) => page.fill(`#q-${id}`, value);
export const choose = (page, id, label) => q(page, id).locator('label.option, label.scale-point').filter({ hasText: label }).first().click();
export const next = (page) => byTestId(page, 'form-next').click();

export async function section(page, id) {
  await byTestId(page, `section-${id}`).waitFor();
}

/** Waits until the page says the answers are written to IndexedDB. */
export async function saved(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent.includes('Tersimpan'));
}

/** Opens a new record of the kind `slug` and starts it. */
export async function start(page, base, slug) {
  await page.goto(base + newPath(slug));
  await ready(page);
  await byTestId(page, 'start-record').click();
}

/** Finishes the record and waits for the list. */
export async function finish(page) {
  await byTestId(page, 'form-finish').click();
  await page.waitForURL(/\/records\?saved=/);
  await byTestId(page, 'record-list').waitFor();
}
