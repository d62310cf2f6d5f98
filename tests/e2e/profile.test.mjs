// What the browser itself keeps on disk: after an assessment is filled and
// the app locked and the browser closed, no file of the browser profile
// holds an answer — not the session-restore files (form state), not
// autofill, not caches — and IndexedDB holds only sealed payloads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { DIST, assertReleaseBuild, byTestId, launch, rawStore, ready, serve, newPath } from './harness.mjs';
import { choose, fill, next, saved, section } from './filling.mjs';
import { scanProfile } from './profile_files.mjs';

/** Typed answers: unique strings that exist nowhere but in what was typed. */
const TYPED = {
  text: 'TEKSUNIK7QX',
  longText: 'PANJANGUNIK4ZW warung nasi',
  askedBy: 'PENANYAUNIK9KV',
};
/**
 * Choices carry no typed text: the browser saves them on or off under the
 * control's name (the public forms' question ids), so those names are the
 * markers. One per kind of control: single choice, yes/no, multiple
 * choice, 1–5 scale, consent, a number and a date.
 */
const CONTROL_NAMES = ['q-age_band', 'q-has_ktp', 'q-skills', 'q-wb_social', 'consent-purpose', 'q-dependants', 'q-next_visit'];

describe('what the browser keeps', () => {
  let server;
  let browser;

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST);
    browser = await launch();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
  });

  test('no answer reaches the profile files: form state, autofill, caches', async () => {
    const page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await page.goto(server.url + newPath('needs-assessment'));
    await ready(page);
    await byTestId(page, 'start-record').click();
    await byTestId(page, 'consent-assessment').check();
    await byTestId(page, 'consent-follow-up').check();
    await page.fill('#consent-asked-by', TYPED.askedBy);
    await byTestId(page, 'consent-agree').click();
    await section(page, 'participant');
    await choose(page, 'age_band', '25–34');
    await fill(page, 'dependants', '3');
    await next(page);
    await section(page, 'documents');
    await choose(page, 'has_ktp', 'Ya');
    await choose(page, 'has_bpjs', 'Tidak');
    await choose(page, 'has_savings_book', 'Ya');
    await next(page);
    await section(page, 'work');
    await choose(page, 'work_status', 'Sedang beralih');
    await choose(page, 'skills', 'Tata boga');
    await next(page);
    await section(page, 'change');
    await choose(page, 'wants_change', 'Ya');
    await choose(page, 'training_wanted', 'Lainnya');
    await fill(page, 'training_other', TYPED.text);
    await fill(page, 'business_idea', TYPED.longText);
    await next(page);
    await section(page, 'wellbeing');
    for (const aspect of ['psychological', 'social', 'emotional', 'financial', 'spiritual']) await choose(page, `wb_${aspect}`, '4');
    await next(page);
    await section(page, 'support');
    await next(page);
    await section(page, 'companion');
    await fill(page, 'next_visit', '2026-12-20');
    await saved(page);

    // The in-page view of IndexedDB: sealed payloads only.
    const raw = await rawStore(page);
    assert.match(raw, /needs_assessment/, 'the inspection reads the records');
    for (const typed of Object.values(TYPED)) assert.ok(!raw.includes(typed.split(' ')[0]), `${typed} is in IndexedDB`);

    // Back through the sections (each a history entry), then lock, and
    // close the browser: everything it keeps is on disk now.
    await page.goBack();
    await section(page, 'support');
    await byTestId(page, 'quick-exit').click();
    await byTestId(page, 'neutral').waitFor();
    await browser.close({ keepProfile: true });

    // Typed text in any encoding; control names as Blink writes form
    // state (UTF-16LE) — the app's own code holds some of them as UTF-8.
    const needles = [
      ...Object.values(TYPED).map((t) => [t.split(' ')[0], ['utf8', 'utf16le']]),
      ...CONTROL_NAMES.map((n) => [n, ['utf16le']]),
    ];
    const { hits, files } = scanProfile(browser.profile, needles);
    assert.ok(files > 20, `only ${files} files in the profile: the scan read the wrong folder`);
    assert.deepEqual(hits, [], `the browser kept answers on disk:\n${hits.join('\n')}`);
    rmSync(browser.profile, { recursive: true, force: true });
    browser = null;
  });

  test('leaving for another site and coming Back shows the lock screen, not the form (back-forward cache)', async () => {
    // Playwright turns the back-forward cache off by default; phones have it on.
    const phone = await launch({ ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    const elsewhere = await serve(DIST);
    try {
      const page = phone.page;
      await page.goto(server.url + newPath('site-visit'));
      await ready(page);
      await byTestId(page, 'start-record').click();
      await section(page, 'visit');
      await fill(page, 'team', TYPED.text);
      await saved(page);
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      await page.goto(elsewhere.url + '/manifest.webmanifest');
      // A page restored from the cache fires no load event.
      await page.goBack({ waitUntil: 'commit' });
      await byTestId(page, 'unlock').waitFor();
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'not restored from the back-forward cache: the test proves nothing');
      assert.equal(await page.locator('#q-team').count(), 0, 'the form came back unlocked');
      phone.assertNoErrors();
    } finally {
      await phone.close();
      await elsewhere.close();
    }
  });
});
