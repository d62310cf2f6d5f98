// End-to-end XLSForm import on the release build: a refused workbook lists
// its problems in Indonesian; a good one is converted by the separately
// loaded importer part, tried with nothing saved, added to the phone,
// filled (skip logic, a constraint message in Indonesian) and sent; the
// form file is saved; the importer works offline once loaded; a field
// worker who never imports never downloads it.
//
// The workbooks are tests/e2e/fixtures/*.xlsx, written by the native test
// `the_end_to_end_workbooks_are_the_ones_built_here` (tests/xlsform.rs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, assertReleaseBuild, byTestId, controlled, copyOfBuild, launch, ready, serve, storedRecords, until } from './harness.mjs';
import { saved } from './filling.mjs';
import { startReceiver } from '../receiver/receiver.mjs';

const FIXTURES = join(ROOT, 'tests', 'e2e', 'fixtures');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const workbook = (name) => ({ name, mimeType: XLSX, buffer: readFileSync(join(FIXTURES, name)) });

async function pick(page, name) {
  await byTestId(page, 'xls-file').setInputFiles(workbook(name));
}

async function shots(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of [320, 360]) {
    await page.setViewportSize({ width, height: 640 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 360, height: 640 });
}

describe('XLSForm import', () => {
  let dir;
  let server;
  let receiver;
  let browser;
  let page;
  const partRequests = [];

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({});
    dir = copyOfBuild();
    for (const name of ['index.html', '404.html']) {
      const path = join(dir, name);
      writeFileSync(path, readFileSync(path, 'utf8').replace("connect-src 'self';", `connect-src 'self' ${receiver.origin};`));
    }
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ endpoint_url: receiver.url }));
    server = await serve(dir, 0, {
      onAnswer: (path) => {
        if (path.includes('/parts/')) partRequests.push(path);
      },
    });
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    try {
      // What was typed into the trial and the record never reaches the console.
      browser?.assertConsoleNeverShows(['KRK-TRIAL', 'KRK-B7']);
    } finally {
      await browser?.close();
      await server?.close();
      await receiver?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a field worker who never imports never downloads the importer', async () => {
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    // Home, the records and Settings, as a day in the field would open them.
    await byTestId(page, 'nav-records').click();
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'forms-settings').waitFor();
    const precache = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('jangkau-')));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(precache.some((p) => p.endsWith('.wasm')), 'the app itself is precached');
    assert.ok(!precache.some((p) => p.includes('/parts/')), `no part precached: ${precache}`);
    assert.deepEqual(partRequests, [], 'the importer was never fetched');
  });

  test('a refused workbook lists every problem, in Indonesian, by row and column', async () => {
    await byTestId(page, 'xls-open').click();
    await byTestId(page, 'xls-title').waitFor();
    await pick(page, 'ditolak.xlsx');
    const refused = byTestId(page, 'xls-refused');
    await refused.waitFor({ timeout: 60_000 });
    assert.equal(await refused.getAttribute('data-count'), '5');
    const problems = await byTestId(page, 'xls-problem').allInnerTexts();
    assert.equal(problems.length, 5);
    assert.match(problems[0], /survey, baris 3, kolom type: .*image/);
    assert.match(problems.join('\n'), /tidak_ada/);
    assert.match(problems.join('\n'), /baris 5, kolom name: .*nama/);
    assert.match(problems.join('\n'), /baris 6/);
    assert.ok(partRequests.some((p) => p.endsWith('.wasm')), 'the importer was loaded for this');
    await shots(page, 'xlsform-refused');
    // Nothing was added.
    await byTestId(page, 'nav-settings').click();
    assert.equal(await page.locator('[data-testid=held-form][data-form=pendampingan_karaoke]').count(), 0);
  });

  test('a good workbook is tried with nothing saved, added, filled and sent', async () => {
    const before = (await storedRecords(page)).length;
    await byTestId(page, 'xls-open').click();
    await pick(page, 'pendampingan.xlsx');
    const ready_ = byTestId(page, 'xls-ready');
    await ready_.waitFor({ timeout: 60_000 });
    assert.equal(await ready_.getAttribute('data-form'), 'pendampingan_karaoke');
    assert.equal(await ready_.getAttribute('data-version'), '2026120301');
    assert.match(await ready_.innerText(), /Pendampingan karaoke/);
    assert.match(await ready_.innerText(), /3 layar, 5 pertanyaan/);

    // The trial: the form page's own questions and checks.
    await byTestId(page, 'xls-try').click();
    await byTestId(page, 'xls-trying').waitFor();
    await byTestId(page, 'section-main').waitFor();
    await page.fill('#q-site_code', 'KRK-TRIAL');
    await page.fill('#q-umur', '12');
    await byTestId(page, 'question-ingin_pelatihan').locator('label.option', { hasText: 'Ya' }).click();
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'fix-errors').waitFor();
    assert.match(await byTestId(page, 'question-umur').innerText(), /Umur harus antara 15 dan 80 tahun/);
    await page.fill('#q-umur', '30');
    await byTestId(page, 'form-next').click();
    // "Yes": the training screen shows.
    await byTestId(page, 'section-pelatihan').waitFor();
    await byTestId(page, 'form-back').click();
    await byTestId(page, 'question-ingin_pelatihan').locator('label.option', { hasText: 'Tidak' }).click();
    await byTestId(page, 'form-next').click();
    // "No": straight to the closing screen, whose label names the site.
    await byTestId(page, 'section-penutup').waitFor();
    assert.match(await byTestId(page, 'question-catatan').innerText(), /Catatan untuk KRK-TRIAL/);
    await byTestId(page, 'xls-check').click();
    await byTestId(page, 'xls-checked').waitFor();
    await shots(page, 'xlsform-trial');
    await byTestId(page, 'xls-stop').click();
    assert.equal((await storedRecords(page)).length, before, 'the trial stored nothing');

    // The form file, as the programme's index would publish it.
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'xls-save').click()]);
    assert.equal(download.suggestedFilename(), 'pendampingan_karaoke-v2026120301.json');
    const file = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(file.id, 'pendampingan_karaoke');
    assert.equal(file.sections[1].relevant, "${ingin_pelatihan} = 'yes'");

    // Added to this phone, as if delivered.
    await byTestId(page, 'xls-add').click();
    await page.waitForSelector('[data-testid=xls-added]');
    assert.match(await byTestId(page, 'xls-added').innerText(), /Ditambahkan/);
    await shots(page, 'xlsform-ready');
    await byTestId(page, 'nav-settings').click();
    assert.equal(await page.locator('[data-testid=held-form][data-form=pendampingan_karaoke]').getAttribute('data-current'), '2026120301');

    // A real record on it.
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'kind-pendampingan-karaoke').click();
    await byTestId(page, 'start-record').click();
    await byTestId(page, 'section-main').waitFor();
    await page.fill('#q-site_code', 'KRK-B7');
    await page.fill('#q-umur', '90');
    await byTestId(page, 'question-ingin_pelatihan').locator('label.option', { hasText: 'Ya' }).click();
    await byTestId(page, 'form-next').click();
    assert.match(await byTestId(page, 'question-umur').innerText(), /Umur harus antara 15 dan 80 tahun/);
    await page.fill('#q-umur', '41');
    await saved(page);
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'section-pelatihan').waitFor();
    await byTestId(page, 'question-keahlian').locator('label.option', { hasText: 'Menjahit' }).click();
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'section-penutup').waitFor();
    await saved(page);
    await byTestId(page, 'form-finish').click();
    await page.waitForURL(/\/records\?saved=/);

    // Finishing a record starts a send on its own (with a server set and
    // signal); tapping "Send now" as well would race it.
    await byTestId(page, 'nav-send').click();
    await until(async () => Object.keys((await receiver.state()).records).length === 1, 'the record at the receiver');
    const [sent] = Object.values((await receiver.state()).records);
    assert.equal(sent.form_id, 'pendampingan_karaoke');
    assert.equal(sent.form_version, 2026120301);
    const { umur, ingin_pelatihan: wants, keahlian } = sent.answers.values;
    assert.deepEqual(umur, { type: 'integer', value: 41 });
    assert.equal(wants.value, true);
    assert.deepEqual(keahlian.value, ['jahit']);
    assert.equal(sent.answers.values.catatan, undefined, 'left empty');
  });

  test('once loaded, the importer works with no signal', async () => {
    await browser.context.setOffline(true);
    try {
      await page.reload();
      await ready(page);
      await byTestId(page, 'nav-settings').click();
      await byTestId(page, 'xls-open').click();
      await pick(page, 'ditolak.xlsx');
      await byTestId(page, 'xls-refused').waitFor({ timeout: 60_000 });
    } finally {
      await browser.context.setOffline(false);
    }
  });
});
