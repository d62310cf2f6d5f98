// End-to-end tests of filling records on a 360×640 phone, offline: each
// built-in form, consent, bad input, the record list, and a crash mid-form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, assertReleaseBuild, byTestId, controlled, launch, ready, serve, newPath } from './harness.mjs';
import { choose, fill, finish, next, q, saved, section, start } from './filling.mjs';

describe('filling records offline', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST);
    browser = await launch();
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    await browser.context.setOffline(true);
  });

  after(async () => {
    try {
      // Everything typed in this suite: none of it may reach the console.
      browser?.assertConsoleNeverShows(['KDR-CERME', 'KDR-SUMBERJO', 'Dinsos + pendamping', 'Nasi goreng', 'Modal bersama', 'Pendamping R', 'No. 3']);
    } finally {
      await browser?.close();
      await server?.close();
    }
  });

  test('a site visit, with a repeat group, bad input and HTML kept inert', async () => {
    await start(page, server.url, 'site-visit');
    await section(page, 'visit');
    // Next with required answers missing: errors next to the questions.
    await next(page);
    await byTestId(page, 'fix-errors').waitFor();
    assert.match(await q(page, 'site_code').innerText(), /Wajib diisi/);
    await fill(page, 'site_code', 'KDR-CERME');
    await fill(page, 'visit_date', '2026-11-20');
    // A 1 MB paste: refused with a message, nothing stored changes.
    await fill(page, 'team', 'x'.repeat(1 << 20));
    assert.match(await q(page, 'team').innerText(), /Terlalu panjang: maksimal 120 karakter/);
    await fill(page, 'team', 'Dinsos + pendamping 🙂');
    assert.doesNotMatch(await q(page, 'team').innerText(), /Terlalu panjang/);
    // The site's location, from the phone's GPS.
    await browser.context.grantPermissions(['geolocation'], { origin: server.url });
    await browser.context.setGeolocation({ latitude: -7.8167, longitude: 112.0167, accuracy: 12 });
    await q(page, 'location').getByRole('button').click();
    await q(page, 'location').getByText('-7.81670, 112.01670 (±12 m)').waitFor();
    await next(page);

    await section(page, 'situation');
    await choose(page, 'site_active', 'Sebagian');
    await fill(page, 'rooms_count', 'dua belas');
    assert.match(await q(page, 'rooms_count').innerText(), /Isi dengan angka/);
    await fill(page, 'rooms_count', '12');
    assert.doesNotMatch(await q(page, 'rooms_count').innerText(), /Isi dengan angka/);
    await fill(page, 'women_resident', '7');
    await fill(page, 'women_non_resident', '9999');
    await next(page);
    assert.match(await q(page, 'women_non_resident').innerText(), /Paling besar 2.000/);
    await fill(page, 'women_non_resident', '4');
    await next(page);

    await section(page, 'houses');
    await byTestId(page, 'add-item').click();
    await page.locator('#q-houses-0-house_label').fill('No. 3');
    await page.locator('#q-houses-0-house_rooms').fill('5');
    await next(page);
    await section(page, 'health');
    await next(page);
    await section(page, 'needs');
    await q(page, 'needs_heard').locator('label', { hasText: 'Gerobak' }).click();
    await q(page, 'needs_heard').locator('label', { hasText: 'Lainnya' }).click();
    await q(page, 'needs_other').waitFor();
    await fill(page, 'needs_other', 'Modal bersama');
    await next(page);
    await section(page, 'actions');
    const hostile = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>';
    await fill(page, 'notes', hostile);
    await saved(page);
    await finish(page);

    const row = byTestId(page, 'record-row').filter({ hasText: 'KDR-CERME' });
    assert.equal(await row.getAttribute('data-status'), 'final');
    await row.locator('a').click();
    await byTestId(page, 'read-only').waitFor();
    const text = await page.locator('.answers').innerText();
    assert.ok(text.includes(hostile), 'HTML shown as text');
    assert.equal(await page.locator('.answers img, .answers script').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.match(text, /Sebagian/);
    assert.match(text, /No\. 3/);
    assert.match(text, /Dinsos \+ pendamping 🙂/);
    assert.match(text, /-7\.81670, 112\.01670 \(±12 m\)/);

    // Editing a final record makes a new draft that supersedes it.
    await byTestId(page, 'revise').click();
    await section(page, 'visit');
    assert.equal(await page.inputValue('#q-site_code'), 'KDR-CERME');
    await byTestId(page, 'form-exit').click();
    await byTestId(page, 'record-list').waitFor();
    const versions = byTestId(page, 'record-row').filter({ hasText: 'KDR-CERME' });
    assert.deepEqual((await versions.evaluateAll((rows) => rows.map((r) => r.dataset.status))).sort(), ['draft', 'final']);
    page.once('dialog', (d) => d.accept());
    await versions.filter({ has: page.getByTestId('delete-draft') }).getByTestId('delete-draft').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row]').length === 1);
    browser.assertNoErrors();
  });

  test('the assessment needs consent, makes a code, and its follow-up finds her by it', async () => {
    await start(page, server.url, 'needs-assessment');
    await byTestId(page, 'consent').waitFor();
    await byTestId(page, 'consent-follow-up').check();
    await byTestId(page, 'consent-asked-by').fill('Pendamping R');
    // "Agree" cannot be tapped until she agrees to the assessment itself.
    assert.ok(await byTestId(page, 'consent-agree').isDisabled());
    assert.match(await byTestId(page, 'consent').innerText(), /hanya bisa dimulai bila peserta setuju/);
    await byTestId(page, 'consent-assessment').check();
    assert.equal(await byTestId(page, 'consent-needs-assessment').count(), 0);
    await byTestId(page, 'consent-agree').click();

    await section(page, 'participant');
    const code = await page.inputValue('#q-participant_code');
    assert.match(code, /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{3}$/);
    await fill(page, 'site_code', 'KDR-CERME');
    await choose(page, 'age_band', '25–34');
    await next(page);
    await section(page, 'documents');
    for (const id of ['has_ktp', 'has_bpjs', 'has_savings_book']) await choose(page, id, 'Ya');
    await next(page);
    await section(page, 'work');
    await choose(page, 'work_status', 'Sedang beralih');
    await next(page);
    await section(page, 'change');
    await choose(page, 'wants_change', 'Ya');
    await q(page, 'training_wanted').locator('label', { hasText: 'Tata boga' }).click();
    await fill(page, 'capital_needed', '2.500.000');
    await choose(page, 'wants_change', 'Tidak');
    assert.equal(await q(page, 'training_wanted').count(), 0, 'skip logic hides training');
    await choose(page, 'wants_change', 'Ya');
    await q(page, 'training_wanted').waitFor();
    await next(page);
    await section(page, 'wellbeing');
    for (const a of ['psychological', 'social', 'emotional', 'financial', 'spiritual']) await choose(page, `wb_${a}`, '4');
    await next(page);
    await section(page, 'support');
    await next(page);
    await section(page, 'companion');
    await choose(page, 'risk_of_returning', 'Sedang');
    await saved(page);
    await finish(page);

    await start(page, server.url, 'follow-up');
    await section(page, 'contact');
    await fill(page, 'participant_code', code.slice(0, 7) + (code.endsWith('2') ? '3' : '2'));
    assert.match(await q(page, 'participant_code').innerText(), /Kode peserta tidak valid/);
    await fill(page, 'participant_code', code.toLowerCase().replace('-', ' '));
    await fill(page, 'visit_date', '2026-11-22');
    await choose(page, 'contact_kind', 'Penyaluran modal');
    await next(page);
    await section(page, 'business');
    await choose(page, 'business_started', 'Ya');
    await fill(page, 'business_kind', 'Nasi goreng');
    await choose(page, 'business_state', 'Berkembang');
    await next(page);
    await section(page, 'wellbeing');
    for (const a of ['psychological', 'social', 'emotional', 'financial', 'spiritual']) await choose(page, `wb_${a}`, '5');
    await next(page);
    await section(page, 'next');
    await choose(page, 'risk_of_returning', 'Rendah');
    await saved(page);
    await finish(page);

    await page.goto(server.url + '/');
    await ready(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=status-waiting]')?.textContent === '3');
    browser.assertNoErrors();
  });

  test('the list filters by form and site, and deletes a draft after confirmation', async () => {
    await start(page, server.url, 'site-visit');
    await section(page, 'visit');
    await fill(page, 'site_code', 'KDR-SUMBERJO');
    await saved(page);
    await byTestId(page, 'form-exit').click();
    await byTestId(page, 'record-list').waitFor();
    assert.equal(await byTestId(page, 'record-row').count(), 4);

    await byTestId(page, 'filter-form').selectOption('follow_up');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row]').length === 1);
    await byTestId(page, 'filter-form').selectOption('');
    await byTestId(page, 'filter-site').fill('kdr-sumberjo');
    await byTestId(page, 'filter-site').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row]').length === 1);
    await byTestId(page, 'tab-draft').click();
    const draft = byTestId(page, 'record-row').filter({ hasText: 'KDR-SUMBERJO' });
    assert.equal(await draft.getAttribute('data-status'), 'draft');

    page.once('dialog', (d) => d.dismiss());
    await draft.getByTestId('delete-draft').click();
    assert.equal(await byTestId(page, 'record-row').count(), 1, 'dismissing keeps it');
    page.once('dialog', (d) => d.accept());
    await draft.getByTestId('delete-draft').click();
    await byTestId(page, 'records-empty').waitFor();
    // Final records offer no delete.
    await byTestId(page, 'filter-site').fill('');
    await byTestId(page, 'filter-site').press('Enter');
    await byTestId(page, 'tab-final').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row]').length === 3);
    assert.equal(await byTestId(page, 'delete-draft').count(), 0);
    browser.assertNoErrors();
  });

  test('withdrawing consent removes every unsent record of that participant', async () => {
    await page.goto(server.url + '/records');
    await ready(page);
    await byTestId(page, 'record-list').waitFor();
    assert.equal(await byTestId(page, 'record-row').count(), 3);
    await byTestId(page, 'record-row').filter({ hasText: 'Asesmen kebutuhan' }).locator('a').click();
    await byTestId(page, 'read-only').waitFor();
    page.once('dialog', (d) => d.accept());
    await byTestId(page, 'withdraw-consent').click();
    await page.waitForURL(/\/records$/);
    // The assessment and her follow-up are gone; the site visit stays.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row]').length === 1);
    assert.match(await byTestId(page, 'record-row').innerText(), /Kunjungan lokasi/);
    browser.assertNoErrors();
  });
});

describe('a crash mid-form', () => {
  test('loses nothing already typed: reopen, resume, answers intact', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    let browser = await launch();
    const profile = browser.profile;
    try {
      let page = browser.page;
      await page.goto(server.url + '/');
      await ready(page);
      await controlled(page);
      await browser.context.setOffline(true);
      await start(page, server.url, 'site-visit');
      await section(page, 'visit');
      await fill(page, 'site_code', 'KDR-CRASH');
      await fill(page, 'visit_date', '2026-11-21');
      await fill(page, 'team', 'Tim malam');
      await next(page);
      await section(page, 'situation');
      await choose(page, 'site_active', 'Masih aktif');
      await page.locator('#q-rooms_count').pressSequentially('42');
      // Once the last keystroke's write has finished, the renderer dies
      // with no pagehide, no unload: as when Android kills the tab.
      await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent.includes('Tersimpan'));
      const cdp = await browser.context.newCDPSession(page);
      const crashed = page.waitForEvent('crash', { timeout: 15_000 });
      // The command never answers: its target is gone.
      cdp.send('Page.crash').catch(() => {});
      await crashed;
      await browser.close({ keepProfile: true });

      browser = await launch({ profile });
      page = browser.page;
      await browser.context.setOffline(true);
      await page.goto(server.url + newPath('site-visit'));
      await ready(page);
      await byTestId(page, 'resume-draft').filter({ hasText: 'KDR-CRASH' }).click();
      await section(page, 'visit');
      assert.equal(await page.inputValue('#q-site_code'), 'KDR-CRASH');
      assert.equal(await page.inputValue('#q-team'), 'Tim malam');
      await next(page);
      await section(page, 'situation');
      assert.equal(await page.inputValue('#q-rooms_count'), '42');
      assert.ok(await q(page, 'site_active').locator('input[value=active]').isChecked());
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('a full disk', () => {
  test('is reported while saving; answers stay on screen and are saved once there is room', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch();
    const { page } = browser;
    try {
      await start(page, server.url, 'site-visit');
      await section(page, 'visit');
      await fill(page, 'site_code', 'KDR-PENUH');
      await saved(page);
      // Chromium here refuses DevTools' quota override, so the disk fills at
      // the API boundary: every put throws the browser's QuotaExceededError.
      await page.evaluate(() => {
        const put = IDBObjectStore.prototype.put;
        window.__diskFull = true;
        IDBObjectStore.prototype.put = function (...args) {
          if (window.__diskFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          return put.apply(this, args);
        };
      });
      await fill(page, 'team', 'Tim pagi '.repeat(10).trim());
      await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent.includes('penuh'), null, { timeout: 15_000 });
      assert.equal(await page.inputValue('#q-team'), 'Tim pagi '.repeat(10).trim(), 'the answer stays on screen');

      // Room again: the next change saves everything, including the answer that failed.
      await page.evaluate(() => { window.__diskFull = false; });
      await fill(page, 'village', 'Cerme');
      await saved(page);
      await page.reload();
      await ready(page);
      await section(page, 'visit');
      assert.equal(await page.inputValue('#q-site_code'), 'KDR-PENUH', 'what was stored before is intact');
      assert.equal(await page.inputValue('#q-team'), 'Tim pagi '.repeat(10).trim());
      assert.equal(await page.inputValue('#q-village'), 'Cerme');
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('dates on the phone\'s calendar', () => {
  // A visit dated today at 06:30 WIB was refused as "in the future",
  // because "today" was taken from the UTC date (still yesterday then).
  test('early morning in Jakarta, today is today', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch({ timezoneId: 'Asia/Jakarta' });
    const { page } = browser;
    try {
      await page.clock.setFixedTime(new Date('2026-11-23T23:30:00Z')); // 24 Nov, 06:30 WIB
      await start(page, server.url, 'site-visit');
      await section(page, 'visit');
      await fill(page, 'site_code', 'KDR-PAGI');
      await fill(page, 'visit_date', '2026-11-25');
      await next(page);
      assert.match(await q(page, 'visit_date').innerText(), /tidak boleh di masa depan/);
      await fill(page, 'visit_date', '2026-11-24');
      await next(page);
      await section(page, 'situation');
      await page.goto(server.url + '/records');
      await ready(page);
      assert.match(await byTestId(page, 'record-row').innerText(), /2026-11-24 06:30/, 'times in WIB');
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

// Issue 12: adding to a full repeat group did nothing at all.
describe('a full repeat group', () => {
  test('says so instead of doing nothing', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch();
    try {
      const page = browser.page;
      await start(page, server.url, 'site-visit');
      await section(page, 'visit');
      await fill(page, 'site_code', 'KDR-PENUH');
      await fill(page, 'visit_date', '2026-11-20');
      await next(page);
      await section(page, 'situation');
      await choose(page, 'site_active', 'Sebagian');
      await next(page);
      await section(page, 'houses');
      for (let i = 0; i < 50; i++) await byTestId(page, 'add-item').click();
      await byTestId(page, 'item-49').waitFor();
      assert.equal(await byTestId(page, 'record-problem').count(), 0);
      await byTestId(page, 'add-item').click();
      assert.match(await byTestId(page, 'record-problem').innerText(), /paling banyak berisi 50/);
      assert.equal(await byTestId(page, 'item-50').count(), 0);
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
