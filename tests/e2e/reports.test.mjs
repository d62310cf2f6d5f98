// End to end: two partners with follow-ups recorded offline, their histories,
// the follow-up list, a site's needs inventory, CSV and JSON exports checked
// byte for byte, the share sheet, and the JSON imported on another phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, assertReleaseBuild, byTestId, controlled, launch, ready, serve } from './harness.mjs';
import { choose, fill, finish, next, q, saved, section, start } from './filling.mjs';
import { asObjects, downloadAll, exportAs, parseCsv } from './exporting.mjs';

const tick = (page, id, label) => q(page, id).locator('label', { hasText: label }).click();
const WELLBEING = ['psychological', 'social', 'emotional', 'financial', 'spiritual'];

/** A date `days` from today on the phone's calendar, as the date input takes it. */
const dayFrom = (page, days) =>
  page.evaluate((n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    return d.toLocaleDateString('en-CA');
  }, days);

/** A needs assessment with consent to follow-up visits; returns her code. */
async function assessment(page, base, a) {
  await start(page, base, 'needs-assessment');
  await byTestId(page, 'consent').waitFor();
  await byTestId(page, 'consent-assessment').check();
  await byTestId(page, 'consent-follow-up').check();
  await byTestId(page, 'consent-asked-by').fill('Pendamping R');
  await byTestId(page, 'consent-agree').click();
  await section(page, 'participant');
  const code = await page.inputValue('#q-participant_code');
  await fill(page, 'site_code', a.site);
  await choose(page, 'age_band', '25–34');
  await next(page);
  await section(page, 'documents');
  await choose(page, 'has_ktp', a.ktp);
  await choose(page, 'has_bpjs', a.bpjs);
  await choose(page, 'has_savings_book', a.savings);
  await next(page);
  await section(page, 'work');
  await choose(page, 'work_status', 'Sedang beralih');
  await choose(page, 'resident', a.resident);
  await next(page);
  await section(page, 'change');
  await choose(page, 'wants_change', a.wants);
  for (const t of a.training) await tick(page, 'training_wanted', t);
  await fill(page, 'capital_needed', a.capital);
  await next(page);
  await section(page, 'wellbeing');
  for (const w of WELLBEING) await choose(page, `wb_${w}`, a.wellbeing);
  await next(page);
  await section(page, 'support');
  for (const r of a.referrals) await tick(page, 'referrals_needed', r);
  await next(page);
  await section(page, 'companion');
  await choose(page, 'risk_of_returning', a.risk);
  await fill(page, 'next_visit', await dayFrom(page, 2));
  await fill(page, 'notes', a.notes);
  await saved(page);
  await finish(page);
  return code;
}

async function followUp(page, base, f) {
  await start(page, base, 'follow-up');
  await section(page, 'contact');
  await fill(page, 'participant_code', f.code);
  await fill(page, 'site_code', f.site);
  await fill(page, 'visit_date', await dayFrom(page, 0));
  await choose(page, 'contact_kind', 'Kunjungan rumah');
  await next(page);
  await section(page, 'business');
  await choose(page, 'business_started', f.business ? 'Ya' : 'Tidak');
  if (f.business) {
    await fill(page, 'business_kind', 'Katering rumahan');
    await choose(page, 'business_state', f.business);
  }
  await next(page);
  await section(page, 'wellbeing');
  for (const w of WELLBEING) await choose(page, `wb_${w}`, f.wellbeing);
  await next(page);
  await section(page, 'next');
  await choose(page, 'risk_of_returning', f.risk);
  await fill(page, 'next_visit', await dayFrom(page, f.nextIn));
  await saved(page);
  await finish(page);
}

describe('following partners, site needs, export and import', () => {
  let server;
  let browser;
  let page;
  let work;
  let codeA;
  let codeB;
  let jsonExport;

  before(async () => {
    assertReleaseBuild();
    work = mkdtempSync(join(tmpdir(), 'jangkau-reports-'));
    server = await serve(DIST);
    browser = await launch({ timezoneId: 'Asia/Jakarta' });
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    await browser.context.setOffline(true);
  });

  after(async () => {
    try {
      browser?.assertConsoleNeverShows(['Ibu Sari ingin', 'Ibu Wati ingin', 'Katering rumahan', codeA, codeB].filter(Boolean));
    } finally {
      await browser?.close();
      await server?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  test('two partners with follow-ups, recorded offline', async () => {
    codeA = await assessment(page, server.url, {
      site: 'KDR-A', ktp: 'Tidak', bpjs: 'Ya', savings: 'Tidak', resident: 'Ya', wants: 'Ya',
      training: ['Tata boga', 'Menjahit'], capital: '2000000', wellbeing: '2', referrals: ['Kesehatan', 'Konseling'],
      risk: 'Tinggi', notes: 'Ibu Sari ingin usaha katering, "siap" = mulai',
    });
    codeB = await assessment(page, server.url, {
      site: 'KDR-B', ktp: 'Ya', bpjs: 'Tidak', savings: 'Ya', resident: 'Tidak', wants: 'Belum yakin',
      training: ['Tata boga'], capital: '1000000', wellbeing: '4', referrals: [],
      risk: 'Rendah', notes: 'Ibu Wati ingin menjahit',
    });
    await followUp(page, server.url, { code: codeA, site: 'KDR-A', business: 'Berjalan', wellbeing: '3', risk: 'Sedang', nextIn: 3 });
    await followUp(page, server.url, { code: codeB, site: 'KDR-B', business: null, wellbeing: '5', risk: 'Tinggi', nextIn: 10 });
    browser.assertNoErrors();
  });

  test('home lists who is due within a week; the people list searches by code', async () => {
    await page.goto(server.url + '/');
    await ready(page);
    const due = byTestId(page, 'due-row');
    await due.first().waitFor();
    assert.deepEqual(await due.evaluateAll((rows) => rows.map((r) => r.dataset.code)), [codeA], 'B is due in 10 days: not yet');
    assert.doesNotMatch(page.url(), new RegExp(codeA.replace('-', '.?')), 'no code in the address');

    await byTestId(page, 'open-people').click();
    await byTestId(page, 'people-list').waitFor();
    assert.equal(await byTestId(page, 'person-row').count(), 2);
    await byTestId(page, 'people-search').fill(codeB.replace('-', '').toLowerCase().slice(0, 5));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=person-row]').length === 1);
    assert.equal(await byTestId(page, 'person-row').getAttribute('data-code'), codeB);
    await byTestId(page, 'people-search').fill('kdr-a');
    await page.waitForFunction((c) => document.querySelector('[data-testid=person-row]')?.dataset.code === c, codeA);
    browser.assertNoErrors();
  });

  test("a partner's page shows her consent, visits, wellbeing, business and referrals", async () => {
    await byTestId(page, 'person-row').locator('a').click();
    await byTestId(page, 'person-code').waitFor();
    assert.equal(await byTestId(page, 'person-code').innerText(), codeA);
    assert.match(page.url(), /\/people\/[0-9a-f-]{36}$/, 'the address names a record id, never her code');
    assert.match(await byTestId(page, 'person-consent').innerText(), /Diberikan .*asesmen, kunjungan lanjutan/);
    assert.equal(await byTestId(page, 'person-next').innerText(), await dayFrom(page, 3));
    assert.equal(await byTestId(page, 'person-referrals').innerText(), 'Kesehatan, Konseling');
    assert.deepEqual(await byTestId(page, 'visit-row').evaluateAll((rows) => rows.map((r) => r.dataset.form)), ['needs_assessment', 'follow_up']);
    assert.match(await byTestId(page, 'person-training').innerText(), /Tata boga.*Menjahit/);
    for (const w of WELLBEING) {
      assert.equal(await byTestId(page, `trend-wb_${w}`).getAttribute('data-scores'), '2 3');
      assert.equal(await byTestId(page, `trend-wb_${w}`).locator('circle').count(), 2);
    }
    assert.match(await byTestId(page, 'person-business').innerText(), /Berjalan/);
    browser.assertNoErrors();
  });

  test("the site inventory counts what was recorded, as bars and as numbers", async () => {
    await page.goto(server.url + '/sites');
    await ready(page);
    await byTestId(page, 'inv-assessed').waitFor();
    const text = async (id) => (await byTestId(page, id).innerText()).trim();
    const bar = (chart, label) => byTestId(page, chart).locator(`li[data-label="${label}"]`).getAttribute('data-value');
    assert.equal(await text('inv-assessed'), '2');
    assert.equal(await text('inv-at-risk'), '1', "A's risk fell to medium, B's rose to high");
    assert.equal(await text('inv-capital-needing'), '2');
    assert.equal(await text('inv-capital-total'), 'Rp 3.000.000');
    assert.equal(await text('inv-capital-median'), 'Rp 1.500.000');
    assert.equal(await bar('inv-training', 'Tata boga / katering'), '2');
    assert.equal(await bar('inv-training', 'Menjahit'), '1');
    assert.equal(await bar('inv-training', 'Salon / tata rias'), '0');
    assert.equal(await bar('inv-residence', 'Tinggal di lokasi'), '1');
    assert.equal(await bar('inv-residence', 'Tinggal di luar lokasi'), '1');
    assert.equal(await bar('inv-documents', 'Belum punya KTP'), '1');
    assert.equal(await bar('inv-documents', 'Belum punya BPJS'), '1');
    assert.equal(await bar('inv-referrals', 'Kesehatan'), '1');
    // Latest scores: A's follow-up 3, B's follow-up 5.
    assert.equal(await byTestId(page, 'inv-wellbeing').locator('li').first().getAttribute('data-value'), '4,0', 'the average written the Indonesian way');
    assert.equal(await byTestId(page, 'inv-training').locator('svg rect.bar-fill').count(), 7);
    // Readable at 360 px: nothing wider than the screen.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling');

    await byTestId(page, 'site-choice').selectOption('KDR-A');
    await page.waitForFunction(() => document.querySelector('[data-testid=inv-assessed]')?.textContent.trim() === '1');
    assert.equal(await text('inv-at-risk'), '0');
    assert.equal(await text('inv-capital-total'), 'Rp 2.000.000');
    browser.assertNoErrors();
  });

  test('CSV export: a file per form and a codebook, with codes and defused text', async () => {
    await exportAs(page, server.url, 'csv');
    const done = byTestId(page, 'export-done');
    assert.equal(await done.getAttribute('data-records'), '4');
    assert.equal(await done.getAttribute('data-files'), '3');
    assert.equal(await done.getAttribute('data-encrypted'), 'false');
    const files = await downloadAll(page, work, 3);
    assert.deepEqual(Object.keys(files).sort(), ['codebook.csv', 'follow_up.csv', 'needs_assessment.csv']);
    const assessments = asObjects(parseCsv(files['needs_assessment.csv']));
    assert.equal(assessments.length, 2);
    const a = assessments.find((r) => r.participant_code === codeA);
    assert.equal(a.site, 'KDR-A');
    assert.equal(a.training_wanted, 'catering sewing');
    assert.equal(a.has_ktp, 'no');
    assert.equal(a.capital_needed, '2000000');
    assert.equal(a.consent_purposes, 'assessment follow_up_contact');
    assert.equal(a.notes, 'Ibu Sari ingin usaha katering, "siap" = mulai');
    const followUps = asObjects(parseCsv(files['follow_up.csv']));
    assert.deepEqual(followUps.map((r) => r.business_state).sort(), ['', 'running']);
    const book = parseCsv(files['codebook.csv']);
    assert.ok(book.some((r) => r[3] === 'training_wanted' && r[5] === 'sewing' && r[6] === 'Menjahit'));

    // The share sheet gets the same files, where the phone offers one.
    await page.evaluate(() => {
      window.__shared = null;
      navigator.canShare = (data) => Array.isArray(data.files) && data.files.every((f) => f instanceof File);
      navigator.share = async (data) => { window.__shared = data.files.map((f) => [f.name, f.type, f.size]); };
    });
    await byTestId(page, 'export-start').click();
    await byTestId(page, 'export-share').click();
    await byTestId(page, 'export-handed').waitFor();
    const shared = await page.evaluate(() => window.__shared);
    assert.equal(shared.length, 3);
    assert.ok(shared.every(([name, type, size]) => /^jangkau-\d{8}-\d{4}-.*\.csv$/.test(name) && type === 'text/csv' && size > 0));
    browser.assertNoErrors();
  });

  test('JSON export: the endpoint batch format, every record once', async () => {
    await exportAs(page, server.url, 'json');
    const files = await downloadAll(page, work, 1);
    jsonExport = join(work, 'import-me.json');
    const body = JSON.parse(files['records.json']);
    assert.equal(body.schema, 'jangkau.batch/1');
    assert.equal(body.records.length, 4);
    assert.equal(new Set(body.records.map((r) => r.record_id)).size, 4);
    assert.ok(body.records.every((r) => /^[0-9a-f]{64}$/.test(r.payload_sha256) && r.answers));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(jsonExport, files['records.json']);
    // Dates choose records by their own day: everything here is from today.
    await byTestId(page, 'export-from').fill(await dayFrom(page, 0));
    await byTestId(page, 'export-to').fill(await dayFrom(page, 0));
    await byTestId(page, 'export-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=export-done]')?.dataset.records === '4');
    await byTestId(page, 'export-to').fill(await dayFrom(page, -1));
    await byTestId(page, 'export-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=export-done]')?.dataset.records === '0');
    // One form only.
    await byTestId(page, 'export-to').fill('');
    await byTestId(page, 'export-form-needs_assessment').uncheck();
    await byTestId(page, 'export-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=export-done]')?.dataset.records === '2');
    browser.assertNoErrors();
  });

  test('the JSON export imports on a fresh phone, once, and feeds its reports', async () => {
    const other = await launch({ timezoneId: 'Asia/Jakarta' });
    try {
      const p = other.page;
      await p.goto(server.url + '/exchange');
      await ready(p);
      await byTestId(p, 'import-file').setInputFiles({ name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
      assert.match(await byTestId(p, 'import-problem').innerText(), /bukan ekspor JSON Jangkau/);
      await byTestId(p, 'import-file').setInputFiles(jsonExport);
      const done = byTestId(p, 'import-done');
      await done.waitFor();
      assert.equal(await done.getAttribute('data-added'), '4');
      assert.equal(await done.getAttribute('data-already'), '0');
      await byTestId(p, 'import-file').setInputFiles(jsonExport);
      await p.waitForFunction(() => document.querySelector('[data-testid=import-done]')?.dataset.already === '4');
      assert.equal(await byTestId(p, 'import-done').getAttribute('data-added'), '0', 'no duplicates');

      await p.goto(server.url + '/records');
      await ready(p);
      await byTestId(p, 'tab-imported').click();
      await p.waitForFunction(() => document.querySelectorAll('[data-testid=record-row][data-status=imported]').length === 4);
      // Imported records are not this phone's to send.
      await p.goto(server.url + '/');
      await ready(p);
      await p.waitForFunction(() => document.querySelector('[data-testid=status-waiting]')?.textContent === '0');

      await p.goto(server.url + '/sites');
      await ready(p);
      await p.waitForFunction(() => document.querySelector('[data-testid=inv-assessed]')?.textContent.trim() === '2');
      await p.goto(server.url + '/people');
      await ready(p);
      await p.waitForFunction(() => document.querySelectorAll('[data-testid=person-row]').length === 2);
      other.assertNoErrors();
    } finally {
      await other.close();
    }
  });
});
