// Two volunteers on one browser profile (a shared phone): each makes
// records offline under her own profile; while locked, neither IndexedDB
// nor any file of the browser profile shows either one's answers; one PIN
// never opens the other's records; both send, and the receiver credits
// each record to the volunteer who made it; removing a profile is refused
// while it has unsent records, and once they are sent it goes without
// touching the other's, even right after it was added and while another
// tab has it open.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, TEST_PIN, assertReleaseBuild, byTestId, controlled, launch, ready, serve, unlockWith, until } from './harness.mjs';
import { startReceiver } from '../receiver/receiver.mjs';
import { buildFor, closeAndWakeWorker, decryptor, relayOf, setServer, siteVisit } from './sending.mjs';
import { scanProfile } from './profile_files.mjs';

const TOKEN = 'rahasia-uji-456';
const PIN_SRI = '739164';
/** Typed answers: strings that exist nowhere but in what was typed. */
const ANI_TEAM = 'TIMANIUNIK3QZ';
const SRI_TEAM = 'TIMSRIUNIK8WX';

/** Every string and byte array of every IndexedDB database of the origin, as text. */
function everyDatabase(page) {
  return page.evaluate(async () => {
    const out = [];
    const walk = (v) => {
      if (typeof v === 'string') out.push(v);
      else if (v instanceof Uint8Array || v instanceof ArrayBuffer) out.push(new TextDecoder().decode(v));
      else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { out.push(k); walk(x); });
    };
    const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const names = (await indexedDB.databases()).map((d) => d.name);
    for (const name of names) {
      const db = await req(indexedDB.open(name));
      for (const store of db.objectStoreNames) (await req(db.transaction(store).objectStore(store).getAll())).forEach(walk);
      db.close();
    }
    return { names, text: out.join('\n') };
  });
}

async function openSettings(page) {
  await byTestId(page, 'nav-settings').click();
  await byTestId(page, 'profiles').waitFor();
}

/**
 * The rows the records list shows, once it shows `count` of them and still
 * does a moment later (the list is empty for an instant while it loads).
 */
async function listedSites(page, count) {
  await byTestId(page, 'nav-records').click();
  await byTestId(page, 'records-title').waitFor();
  const rows = page.locator('[data-testid=record-row]');
  await until(async () => (await rows.count()) === count, `${count} record rows`);
  await page.waitForTimeout(500);
  return rows.allInnerTexts();
}

describe('a phone shared by two volunteers', () => {
  let receiver;
  let server;
  let dir;
  let browser;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({ token: TOKEN });
    dir = buildFor([receiver.origin]);
    server = await serve(dir);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('own records, own PIN, nothing readable while locked, each record credited, removal only once sent', async () => {
    browser = await launch();
    let page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);

    // The first volunteer names herself and sets the server for everyone.
    await openSettings(page);
    await page.fill('[data-testid=profile-name-input]', 'Ani');
    await page.locator('[data-testid=rename-profile] button[type=submit]').click();
    await byTestId(page, 'rename-outcome').waitFor();
    assert.equal(await byTestId(page, 'profile-name').innerText(), 'Ani');
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN }), /Tersimpan/);

    await browser.context.setOffline(true);
    await siteVisit(page, 'KDR-ANI-1', { team: ANI_TEAM });

    // She adds a colleague and hands the phone over: a taken name is refused.
    await openSettings(page);
    await page.fill('[data-testid=add-name]', ' ani ');
    await page.fill('[data-testid=add-secret]', PIN_SRI);
    await page.fill('[data-testid=add-repeat]', PIN_SRI);
    await byTestId(page, 'add-submit').click();
    assert.match(await byTestId(page, 'add-problem').innerText(), /sudah memakai nama itu/);
    await page.fill('[data-testid=add-name]', 'Sri');
    await page.fill('[data-testid=add-secret]', PIN_SRI);
    await page.fill('[data-testid=add-repeat]', PIN_SRI);
    await byTestId(page, 'add-submit').click();
    // Handed over: the new profile opens at home.
    await page.waitForURL(`${server.url}/`);
    await openSettings(page);
    assert.equal(await byTestId(page, 'profile-name').innerText(), 'Sri');
    // Sri sees none of Ani's records, and uses the shared server.
    assert.deepEqual(await listedSites(page, 0), []);
    await siteVisit(page, 'KDR-SRI-1', { team: SRI_TEAM });
    assert.equal((await listedSites(page, 1)).length, 1);

    // Switching locks her records and lists both volunteers.
    await openSettings(page);
    await byTestId(page, 'switch-profile').click();
    await byTestId(page, 'choose-profile').waitFor();
    assert.deepEqual(await page.locator('[data-testid=choose-profile] button.profile').allInnerTexts(), ['Ani', 'Sri']);
    for (const width of [320, 360]) {
      await page.setViewportSize({ width, height: 640 });
      await page.screenshot({ path: join(ARTIFACTS, `profiles-choose-${width}.png`) });
    }
    await page.setViewportSize({ width: 360, height: 640 });

    // Locked: no answer of either in any database.
    const locked = await everyDatabase(page);
    assert.ok(locked.names.includes('jangkau-phone') && locked.names.length >= 3, locked.names.join());
    assert.match(locked.text, /KDR-ANI-1/, 'the inspection reads the records');
    for (const typed of [ANI_TEAM, SRI_TEAM, TOKEN]) assert.ok(!locked.text.includes(typed), `${typed} is in IndexedDB`);

    // Nor in any file of the browser profile, once the browser is closed.
    await browser.close({ keepProfile: true });
    const { hits, files } = scanProfile(browser.profile, [ANI_TEAM, SRI_TEAM].map((t) => [t, ['utf8', 'utf16le']]));
    assert.ok(files > 20, `only ${files} files in the profile`);
    assert.deepEqual(hits, [], `the browser kept answers on disk:\n${hits.join('\n')}`);
    browser = await launch({ profile: browser.profile });
    page = browser.page;
    await browser.context.setOffline(true);
    await page.goto(server.url + '/');
    await page.waitForSelector('html[data-ready="1"]');
    await byTestId(page, 'choose-profile').waitFor();

    // Sri's PIN does not open Ani's records; Ani's does, and shows hers only.
    await byTestId(page, 'profile-1').click();
    assert.equal(await byTestId(page, 'chosen-profile').innerText(), 'Ani');
    for (const width of [320, 360]) {
      await page.setViewportSize({ width, height: 640 });
      await page.screenshot({ path: join(ARTIFACTS, `profiles-unlock-${width}.png`) });
    }
    await page.setViewportSize({ width: 360, height: 640 });
    await unlockWith(page, PIN_SRI);
    await byTestId(page, 'lock-problem').waitFor();
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'nav-home').waitFor();
    const aniSites = await listedSites(page, 1);
    assert.equal(aniSites.length, 1);
    assert.match(aniSites[0], /KDR-ANI-1/);

    // Removing Ani's profile is refused while her record is unsent.
    await openSettings(page);
    await byTestId(page, 'remove-start').click();
    assert.match(await byTestId(page, 'remove-refused').innerText(), /^1 catatan Anda belum pernah terkirim/);
    await byTestId(page, 'remove-send').waitFor();
    for (const width of [320, 360]) {
      await page.setViewportSize({ width, height: 640 });
      for (const card of ['profiles', 'add-profile', 'remove-profile']) {
        await byTestId(page, card).screenshot({ path: join(ARTIFACTS, `profiles-${card}-${width}.png`) });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `the settings page is wider than ${width} px`);
    }
    await page.setViewportSize({ width: 360, height: 640 });

    // Online, her record goes; then her profile can go.
    await browser.context.setOffline(false);
    await until(() => receiver.state().stored.length === 1, "Ani's record to arrive");
    await page.reload();
    await page.waitForSelector('html[data-ready="1"]');
    await byTestId(page, 'profile-1').click();
    await unlockWith(page, TEST_PIN);
    await openSettings(page);
    await byTestId(page, 'remove-start').click();
    await byTestId(page, 'remove-confirm').click();
    // One volunteer left: her PIN is asked at once, and the removal said.
    await byTestId(page, 'unlock').waitFor();
    await byTestId(page, 'profile-removed').waitFor();
    assert.equal(await byTestId(page, 'chosen-profile').count(), 0, 'no list for a single volunteer');
    const after = await everyDatabase(page);
    assert.ok(!after.names.includes('jangkau'), `Ani's database is still there: ${after.names.join()}`);
    assert.ok(!after.text.includes('KDR-ANI-1'), "Ani's record is still on the phone");

    // Sri's records are untouched and go out with her name.
    await unlockWith(page, PIN_SRI);
    await byTestId(page, 'nav-home').waitFor();
    const sriSites = await listedSites(page, 1);
    assert.equal(sriSites.length, 1);
    assert.match(sriSites[0], /KDR-SRI-1/);
    await until(() => receiver.state().stored.length === 2, "Sri's record to arrive");

    const credited = Object.values(receiver.state().records).map((r) => [r.site, r.collector?.name]).sort();
    assert.deepEqual(credited, [['KDR-ANI-1', 'Ani'], ['KDR-SRI-1', 'Sri']]);
    const ids = new Set(Object.values(receiver.state().records).map((r) => r.collector.id));
    assert.equal(ids.size, 2, 'each volunteer has her own collector id');
    assert.equal(receiver.state().posted.length, 2, 'each record sent once');

    // A volunteer added and removed in one session (the app's own
    // connection to her database must not hold up its deletion).
    await openSettings(page);
    await page.fill('[data-testid=add-name]', 'Tri');
    await page.fill('[data-testid=add-secret]', '620471');
    await page.fill('[data-testid=add-repeat]', '620471');
    await byTestId(page, 'add-submit').click();
    await page.waitForURL(`${server.url}/`);
    await openSettings(page);
    assert.equal(await byTestId(page, 'profile-name').innerText(), 'Tri');
    // Tri is open in a second tab too: told of the removal, that tab starts
    // again at the lock screen instead of writing to a database made anew.
    const other = await browser.context.newPage();
    await other.goto(server.url + '/');
    await other.waitForSelector('html[data-ready="1"]');
    await byTestId(other, 'profile-2').click();
    await unlockWith(other, '620471');
    await byTestId(other, 'nav-home').waitFor();
    await byTestId(page, 'remove-start').click();
    await byTestId(page, 'remove-confirm').click();
    await byTestId(page, 'profile-removed').waitFor();
    await byTestId(other, 'unlock').waitFor();
    assert.equal(await byTestId(other, 'nav-home').count(), 0, 'the other tab still shows her records');
    await other.close();
    const left = await everyDatabase(page);
    assert.equal(left.names.filter((n) => n.startsWith('jangkau-profile-')).length, 1, left.names.join());
    await unlockWith(page, PIN_SRI);
    assert.equal((await listedSites(page, 1)).length, 1);
    browser.assertNoErrors();
  });

  test("with a programme key, the service worker sends every volunteer's prepared records, whoever is unlocked", async () => {
    receiver.reset();
    const work = mkdtempSync(join(tmpdir(), 'jangkau-profiles-'));
    try {
      assert.equal(decryptor('keygen', join(work, 'programme')).status, 0);
      const publicPem = readFileSync(join(work, 'programme.public.pem'), 'utf8');
      await browser?.close();
      browser = await launch();
      const page = browser.page;
      await page.goto(server.url + '/');
      await ready(page);
      await controlled(page);
      assert.match(await setServer(page, { url: receiver.url, token: TOKEN }), /Tersimpan/);
      await page.fill('#programme-key-text', publicPem);
      await byTestId(page, 'programme-key-save').click();
      await byTestId(page, 'programme-key-remove').waitFor();

      await browser.context.setOffline(true);
      await siteVisit(page, 'KDR-RELAY-A');
      await until(async () => /KDR-RELAY-A/.test((await relayOf(page)) || ''), "the first volunteer's relay");
      await openSettings(page);
      await page.fill('[data-testid=add-name]', 'Sri');
      await page.fill('[data-testid=add-secret]', PIN_SRI);
      await page.fill('[data-testid=add-repeat]', PIN_SRI);
      await byTestId(page, 'add-submit').click();
      await page.waitForURL(`${server.url}/`);
      await siteVisit(page, 'KDR-RELAY-B');
      const sriDb = (await everyDatabase(page)).names.find((n) => n.startsWith('jangkau-profile-'));
      await until(async () => /KDR-RELAY-B/.test((await relayOf(page, sriDb)) || ''), "the second volunteer's relay");

      // The app is closed with Sri's profile last open; the worker sends both.
      await closeAndWakeWorker(browser, page, server.url);
      await until(() => receiver.state().stored.length === 2, 'the worker to deliver both relays');
      const credited = Object.values(receiver.state().records).map((r) => [r.site, r.collector?.name]).sort();
      assert.deepEqual(credited, [['KDR-RELAY-A', ''], ['KDR-RELAY-B', 'Sri']]);
      for (const r of Object.values(receiver.state().records)) assert.equal(r.answers, undefined, 'encrypted to the programme');
      browser.assertNoErrors();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
