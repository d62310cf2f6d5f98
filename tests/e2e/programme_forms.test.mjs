// End-to-end programme forms on the release build: a programme publishes a
// form beside the app, the phone takes it at unlock, a draft started on
// version 1 finishes as version 1 after version 2 is published, a new
// record is version 2, both reach the receiver with their versions and are
// exported as one CSV over both versions; a
// tampered file and a broken index are refused with their messages and
// change nothing; a form loaded from a file; offline start uses what the
// phone has; no form title is stored in clear.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, assertReleaseBuild, byTestId, controlled, copyOfBuild, launch, newPath, rawStore, ready, serve, until } from './harness.mjs';
import { saved } from './filling.mjs';
import { asObjects, downloadAll, exportAs, parseCsv } from './exporting.mjs';
import { startReceiver } from '../receiver/receiver.mjs';

const TITLE = 'Penjangkauan karaoke';

/** The programme's own form, version `version`; version 2 adds a question. */
function karaoke(version) {
  const questions = [
    { id: 'site_code', type: 'text', role: 'site', required: true, label: { id: 'Kode lokasi', en: 'Site code' } },
    { id: 'skill', type: 'text', required: true, label: { id: 'Keahlian', en: 'Skill' } },
  ];
  if (version >= 2) questions.push({ id: 'children', type: 'integer', min: 0, max: 20, label: { id: 'Jumlah anak', en: 'Children' } });
  return JSON.stringify({
    id: 'karaoke_outreach',
    version,
    title: { id: TITLE, en: 'Karaoke outreach' },
    description: { id: 'Satu catatan per pemandu karaoke yang ditemui.', en: 'One record per karaoke worker met.' },
    sections: [{ id: 'main', title: { id: 'Utama', en: 'Main' }, questions }],
  }, null, 2);
}

const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Writes the form files and an index naming `entries` ([version, sha override?]). */
function publish(dir, entries) {
  const forms = join(dir, 'forms');
  mkdirSync(forms, { recursive: true });
  const listed = entries.map(([version, hash]) => {
    const body = karaoke(version);
    writeFileSync(join(forms, `karaoke.v${version}.json`), body);
    return { id: 'karaoke_outreach', version, url: `karaoke.v${version}.json`, sha256: hash ?? sha(body) };
  });
  writeFileSync(join(forms, 'index.json'), JSON.stringify({ schema: 'jangkau.forms/1', forms: listed }));
}

async function checkForms(page) {
  await byTestId(page, 'nav-settings').click();
  await byTestId(page, 'forms-settings').waitFor();
  await byTestId(page, 'forms-check').click();
  // The last delivery's report goes as the check starts.
  await page.waitForSelector('[data-testid=forms-check]:not([disabled])');
  await page.waitForSelector('[data-testid=forms-done], [data-testid=forms-failed]');
}

async function fillKaraoke(page, site, skill, children) {
  await byTestId(page, 'section-main').waitFor();
  await page.fill('#q-site_code', site);
  await page.fill('#q-skill', skill);
  if (children !== undefined) await page.fill('#q-children', String(children));
  await saved(page);
}

describe('programme forms', () => {
  let dir;
  let server;
  let receiver;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({});
    dir = copyOfBuild();
    // The deployment names its forms index and its server; the policy lets
    // the app reach the receiver.
    for (const name of ['index.html', '404.html']) {
      const path = join(dir, name);
      writeFileSync(path, readFileSync(path, 'utf8').replace("connect-src 'self';", `connect-src 'self' ${receiver.origin};`));
    }
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ forms_url: 'forms/index.json', endpoint_url: receiver.url }));
    publish(dir, [[1]]);
    server = await serve(dir);
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    try {
      browser?.assertConsoleNeverShows(['Menjahit', 'Memasak', 'KRK-A']);
    } finally {
      await browser?.close();
      await server?.close();
      await receiver?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a published form is taken at unlock and a draft keeps its version when version 2 arrives', async () => {
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    // Taken at unlock: offered on home, in place of the built-in forms.
    await byTestId(page, 'kind-karaoke-outreach').waitFor({ timeout: 30_000 });
    assert.equal(await byTestId(page, 'kind-site-visit').count(), 0);
    assert.match(await byTestId(page, 'kind-karaoke-outreach').innerText(), /Penjangkauan karaoke/);

    // A draft on version 1.
    await byTestId(page, 'kind-karaoke-outreach').click();
    await byTestId(page, 'start-record').click();
    await fillKaraoke(page, 'KRK-A', 'Menjahit');
    await byTestId(page, 'nav-home').click();

    // The programme publishes version 2 (and stops listing version 1).
    publish(dir, [[2]]);
    await checkForms(page);
    assert.equal(await byTestId(page, 'forms-done').getAttribute('data-added'), '1');
    assert.equal(await page.locator('[data-testid=held-form][data-form=karaoke_outreach]').getAttribute('data-current'), '2');

    // The draft says a newer version exists, and finishes as version 1.
    await page.goto(server.url + newPath('karaoke_outreach'));
    await ready(page);
    await byTestId(page, 'draft-older-version').waitFor();
    await byTestId(page, 'resume-draft').click();
    await byTestId(page, 'section-main').waitFor();
    assert.equal(await byTestId(page, 'question-children').count(), 0, 'version 1 has no such question');
    await byTestId(page, 'form-finish').click();
    await page.waitForURL(/\/records\?saved=/);

    // A new record is version 2.
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'kind-karaoke-outreach').click();
    await byTestId(page, 'start-record').click();
    await fillKaraoke(page, 'KRK-A', 'Memasak', 2);
    await byTestId(page, 'form-finish').click();
    await page.waitForURL(/\/records\?saved=/);

    // Both are sent, each with its own version.
    // (Finishing a record starts a send on its own; the button is for
    // when that has not happened.)
    await byTestId(page, 'nav-send').click();
    // Not tapped: a send that starts between "is it enabled?" and the tap
    // disables the button and the tap times out (seen in the XLSForm suite).
    await until(async () => Object.keys((await receiver.state()).records).length === 2, 'both records at the receiver');
    const versions = Object.values((await receiver.state()).records)
      .map((r) => `${r.form_id} v${r.form_version}`)
      .sort();
    assert.deepEqual(versions, ['karaoke_outreach v1', 'karaoke_outreach v2']);

    // The form's summary, over both versions: two records, one answer to
    // the question only version 2 asks.
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'open-summary').click();
    await page.waitForSelector('[data-testid=summary-count][data-records="2"]');
    assert.equal(await byTestId(page, 'summary-children').locator('[data-testid=summary-n]').innerText(), '1');
    assert.equal(await byTestId(page, 'summary-children').locator('[data-testid=summary-sum]').innerText(), '2');
    await page.fill('[data-testid=summary-from]', '2999-01-01');
    await page.dispatchEvent('[data-testid=summary-from]', 'change');
    await page.waitForSelector('[data-testid=summary-count][data-records="0"]');

    // The CSV export: one file for the form over both versions, and a
    // codebook saying which version asks which column.
    await exportAs(page, server.url, 'csv');
    const work = mkdtempSync(join(tmpdir(), 'jangkau-forms-'));
    try {
      const files = await downloadAll(page, work, 2);
      assert.deepEqual(Object.keys(files).sort(), ['codebook.csv', 'karaoke_outreach.csv']);
      const rows = asObjects(parseCsv(files['karaoke_outreach.csv']));
      const byVersion = Object.fromEntries(rows.map((r) => [r.form_version, r]));
      assert.deepEqual(Object.keys(byVersion).sort(), ['1', '2']);
      assert.equal(byVersion['1'].skill, 'Menjahit');
      assert.equal(byVersion['1'].children, '');
      assert.equal(byVersion['2'].children, '2');
      const book = asObjects(parseCsv(files['codebook.csv']));
      const versionsOf = (column) => book.filter((r) => r.column === column).map((r) => r.form_version).sort();
      assert.deepEqual(versionsOf('skill'), ['1', '2']);
      assert.deepEqual(versionsOf('children'), ['2']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    browser.assertNoErrors();
  });

  test('a tampered file and a broken index are refused with their messages, and nothing changes', async () => {
    // Version 3's file does not match its hash.
    const body = karaoke(3);
    publish(dir, [[2], [3, sha(body + ' ')]]);
    await checkForms(page);
    const refused = page.locator('[data-testid=forms-outcome][data-version="3"]');
    assert.equal(await refused.getAttribute('data-outcome'), 'refused');
    assert.match(await refused.innerText(), /sha256/);
    assert.equal(await page.locator('[data-testid=held-form][data-form=karaoke_outreach]').getAttribute('data-current'), '2');

    // An index that is not one (a login page, say).
    writeFileSync(join(dir, 'forms', 'index.json'), '<html>masuk</html>');
    await checkForms(page);
    assert.match(await byTestId(page, 'forms-failed').innerText(), /tidak dapat dipakai/);
    assert.equal(await page.locator('[data-testid=held-form][data-form=karaoke_outreach]').getAttribute('data-current'), '2');
    // Home says something needs the programme's attention.
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'forms-problem').waitFor();
    await byTestId(page, 'kind-karaoke-outreach').waitFor();
  });

  test('a form loaded from a file on the phone', async () => {
    const street = JSON.parse(karaoke(1));
    street.id = 'street_outreach';
    street.title = { id: 'Penjangkauan jalanan', en: 'Street outreach' };
    street.kind = 'follow_up';
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'forms-file').setInputFiles({ name: 'street.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(street)) });
    await page.waitForSelector('[data-testid=forms-done][data-added="1"]');
    // Not a form at all: a clear message.
    await byTestId(page, 'forms-file').setInputFiles({ name: 'photo.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
    await byTestId(page, 'forms-failed').waitFor();
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'kind-street-outreach').waitFor();
    await byTestId(page, 'kind-karaoke-outreach').waitFor();
    // Home says what a form is for when its title does not.
    assert.equal(await byTestId(page, 'kind-street-outreach').locator('[data-testid=kind-chip]').innerText(), 'Kunjungan tindak lanjut');
    assert.equal(await byTestId(page, 'kind-karaoke-outreach').locator('[data-testid=kind-chip]').count(), 0);
    // For a look at 320 px: home with the programme's forms, and Settings → Forms.
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 320, height: 640 });
    await page.screenshot({ path: join(ARTIFACTS, 'programme-home-320.png'), fullPage: true });
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'forms-settings').screenshot({ path: join(ARTIFACTS, 'programme-settings-320.png') });
    await page.setViewportSize({ width: 360, height: 640 });
  });

  test('offline the phone starts on the forms it has, and none of their titles is stored in clear', async () => {
    await browser.context.setOffline(true);
    await page.reload();
    await ready(page);
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'kind-karaoke-outreach').waitFor();
    await byTestId(page, 'kind-street-outreach').waitFor();
    const raw = await rawStore(page);
    for (const secret of [TITLE, 'Karaoke outreach', 'Penjangkauan jalanan', 'forms/index.json', 'Keahlian']) {
      assert.ok(!raw.includes(secret), `IndexedDB holds ${JSON.stringify(secret)} in clear`);
    }
    // Discreet mode: the tab says nothing, and locked, nothing of the forms shows.
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'discreet').check();
    await byTestId(page, 'quick-exit').click();
    await byTestId(page, 'neutral').waitFor();
    const text = await page.evaluate(() => document.title + ' ' + document.body.innerText);
    assert.ok(!text.includes('karaoke') && !text.includes('Penjangkauan'), text);
    await browser.context.setOffline(false);
    browser.assertNoErrors();
  });
});
