// End-to-end sending on the release build: records made offline reach a
// real receiver exactly once through every fault it can inject, a killed
// page resends the same batch, rejected records are set aside, and the same
// against a real CouchDB-protocol server (pouchdb-server).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, assertReleaseBuild, byTestId, controlled, launch, ready, serve, storedRecords, until, newPath } from './harness.mjs';
import { startReceiver } from '../receiver/receiver.mjs';
import { buildFor, closeAndWakeWorker, decryptor, openSend, relayOf, setServer, siteVisit, syncState } from './sending.mjs';

const TOKEN = 'rahasia-uji-123';

/** A port on 127.0.0.1 that nothing listens on (for "server down"). */
async function deadPort() {
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, '127.0.0.1', ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

const waiting = async (page) => Number(await byTestId(page, 'status-waiting').innerText().catch(() => 'NaN'));

async function waitingOnHome(page) {
  await byTestId(page, 'nav-home').click();
  return Number(await byTestId(page, 'status-waiting').innerText());
}

describe('sending to a Jangkau receiver', () => {
  let receiver;
  let server;
  let dir;
  let dead;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({ token: TOKEN });
    dead = `http://127.0.0.1:${await deadPort()}`;
    // The deployment ships its server (short time limit for the slow fault).
    dir = buildFor([receiver.origin, dead], { endpoint_url: receiver.url, batch_size: 2, timeout_seconds: 5 });
    server = await serve(dir);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('settings are checked, tested, and refused clearly', async () => {
    browser = await launch();
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    await byTestId(page, 'nav-settings').click();
    // The shipped server was adopted.
    assert.match(await byTestId(page, 'endpoint-current').innerText(), new RegExp(receiver.origin.replace(/[.:/]/g, '\\$&')));
    const bad = [
      ['data.example.org', /diawali https:\/\//],
      ['http://data.example.org/batches', /Hanya alamat https:\/\//],
      ['https://user:pw@data.example.org', /kolomnya sendiri/],
      ['https://data.example.org/batches', /data\.example\.org tidak termasuk/],
    ];
    for (const [url, message] of bad) {
      assert.match(await setServer(page, { url }), message, url);
    }
    await page.fill('[data-testid=endpoint-url]', receiver.url);
    await byTestId(page, 'endpoint-test').click();
    await page.waitForFunction(() => /HTTP 401/.test(document.querySelector('[data-testid=endpoint-message]')?.textContent ?? ''));
    await page.fill('[data-testid=endpoint-token]', TOKEN);
    await byTestId(page, 'endpoint-test').click();
    await page.waitForFunction(() => /Terhubung/.test(document.querySelector('[data-testid=endpoint-message]')?.textContent ?? ''));
    // A port nothing listens on.
    await page.fill('[data-testid=endpoint-url]', `${dead}/batches`);
    await byTestId(page, 'endpoint-test').click();
    await page.waitForFunction(() => /tidak dapat dihubungi/.test(document.querySelector('[data-testid=endpoint-message]')?.textContent ?? ''));
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN, batch: '2' }), /Tersimpan/);
    assert.deepEqual(receiver.state().stored, [], 'a connection test stores nothing');
    // Issue 12: reopened, the page showed empty address and batch fields,
    // so changing only the batch size failed with "enter the address".
    await byTestId(page, 'nav-home').click();
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'server-settings').waitFor();
    await page.waitForFunction((url) => document.querySelector('[data-testid=endpoint-url]').value === url, receiver.url);
    assert.equal(await page.inputValue('[data-testid=endpoint-batch-size]'), '2');
    assert.equal(await page.inputValue('[data-testid=endpoint-token]'), '', 'a secret written back into the page');
    assert.match(await byTestId(page, 'endpoint-token').getAttribute('placeholder'), /tersimpan/);
    await page.fill('[data-testid=endpoint-batch-size]', '3');
    await byTestId(page, 'endpoint-save').click();
    assert.match(await byTestId(page, 'endpoint-message').innerText(), /Tersimpan/);
    await page.fill('[data-testid=endpoint-batch-size]', '2');
    await byTestId(page, 'endpoint-save').click();
    assert.match(await byTestId(page, 'endpoint-message').innerText(), /Tersimpan/);
    browser.assertNoErrors();
  });

  test('records made offline arrive exactly once through every fault', async () => {
    await browser.context.setOffline(true);
    const sites = Array.from({ length: 10 }, (_, i) => `KDR-${String(i).padStart(2, '0')}`);
    for (const site of sites) await siteVisit(page, site);
    assert.equal(await waitingOnHome(page), 10);
    await openSend(page);
    // Tapping while offline: told apart from a failing server.
    await byTestId(page, 'send-now').click();
    await syncState(page, 'offline');
    assert.deepEqual(receiver.state().batches, []);

    // One fault per batch request, in this order (see receiver.mjs).
    receiver.faults(['drop', 'ok', '500', 'ok', 'portal', 'malformed', 'ok', '503:2', 'slow:9000', 'ok', '401', '413', 'ok', 'ok']);
    const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
    // The user keeps tapping "Send now" (a tap skips the backoff wait)
    // until the server has taken the faults down to `left`.
    const tapUntil = async (left) => {
      const end = Date.now() + 60_000;
      while (receiver.pendingFaults() > left) {
        if (Date.now() > end) throw new Error(`stuck at ${receiver.pendingFaults()} faults`);
        const button = byTestId(page, 'send-now');
        if (await button.isEnabled()) await button.click({ timeout: 1000 }).catch(() => {});
        await sleep(250);
      }
    };

    const preflightsBefore = receiver.state().preflights;
    await browser.context.setOffline(false); // signal back: sends by itself
    assert.ok(!(await relayOf(page)), 'plain records never wait in clear for the worker');
    await until(() => receiver.pendingFaults() < 14, 'the first batch after signal returns');
    // Dropped answer, 500, a Wi-Fi login page, broken JSON, then a 503.
    await tapUntil(6);
    // 503 with Retry-After: 2 — the next attempt comes by itself, not sooner.
    const busyAt = Date.now();
    await until(() => receiver.pendingFaults() === 5, 'the retry after Retry-After', 20_000);
    assert.ok(Date.now() - busyAt >= 1_500, `retried after ${Date.now() - busyAt} ms, before Retry-After`);
    // Stored but answered after the 5 s limit: a timeout; then a 401.
    await tapUntil(3);
    await syncState(page, 'credentials');
    await sleep(6_000);
    assert.equal(receiver.pendingFaults(), 3, 'no automatic retry after 401');
    assert.match(await byTestId(page, 'sync-state').innerText(), /Periksa token atau kata sandi/);
    // The user saves the settings again (the stored token is kept): 413
    // splits the last batch in two, each accepted.
    assert.match(await setServer(page, { url: receiver.url }), /Tersimpan/);
    await until(() => receiver.pendingFaults() === 0, 'the split batches');
    await openSend(page);
    await syncState(page, 'done');
    const failures = await byTestId(page, 'history-row').evaluateAll((rows) =>
      rows.map((r) => r.dataset.failure).filter(Boolean).reverse(),
    );
    assert.deepEqual(failures, ['offline', 'unreachable', 'busy', 'not-an-answer', 'not-an-answer', 'busy', 'timeout', 'credentials']);

    const state = receiver.state();
    assert.equal(state.stored.length, 10, 'every record arrived');
    assert.equal(state.posted.length, 10, 'and each was stored once');
    assert.deepEqual(state.mismatched, [], 'a batch id came back with other content');
    assert.deepEqual(new Set(Object.values(state.records).map((r) => r.site)), new Set(sites));
    // The receiver allows a preflight to be kept 600 s: not one per batch.
    const preflights = state.preflights - preflightsBefore;
    assert.ok(preflights <= 2, `${preflights} CORS preflights for ${state.batches.length} batch requests`);
    const repeats = state.batches.filter((id, i) => state.batches.indexOf(id) !== i);
    assert.equal(repeats.length, 2, `the lost answers were asked for again with the same batch id: ${state.batches}`);
    const first = Object.values(state.records)[0];
    assert.equal(first.answers.values.site_active.value, 'partly');
    assert.equal(first.payload_sha256.length, 64);
    assert.equal(await waitingOnHome(page), 0);
    await byTestId(page, 'nav-records').click();
    await byTestId(page, 'tab-sent').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=record-row][data-status=sent]').length === 10);
    browser.assertConsoleNeverShows([TOKEN, 'KDR-0']);
    browser.assertNoErrors();
  });

  test('a record the server rejects is set aside with its reason until the user sends it again', async () => {
    receiver.rejectSite('KDR-TOLAK');
    await browser.context.setOffline(true);
    await siteVisit(page, 'KDR-TOLAK');
    await siteVisit(page, 'KDR-TERIMA');
    await openSend(page);
    await browser.context.setOffline(false);
    await byTestId(page, 'held-row').waitFor();
    assert.match(await byTestId(page, 'held-reason').innerText(), /Ditolak server: site code KDR-TOLAK is not known/);
    const posted = receiver.state().posted.length;
    await new Promise((ok) => setTimeout(ok, 6_000));
    assert.equal(receiver.state().posted.length, posted, 'not retried blindly');
    receiver.rejectSite(null);
    await byTestId(page, 'held-release').click();
    await until(() => receiver.state().stored.length === 12, 'the released record');
    await page.waitForFunction(() => !document.querySelector('[data-testid=held-row]'));
    browser.assertNoErrors();
  });

  test('a page killed mid-send resends the same batch on the next start', async () => {
    await browser.context.setOffline(true);
    await siteVisit(page, 'KDR-MATI-1');
    await siteVisit(page, 'KDR-MATI-2');
    receiver.faults(['hang']);
    await browser.context.setOffline(false);
    await until(() => receiver.state().stored.length === 14, 'the server to store the batch');
    const profile = browser.profile;
    await browser.close({ keepProfile: true });
    browser = await launch({ profile });
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await until(async () => (await waiting(page)) === 0, 'the phone to learn the batch arrived');
    const { batches, posted, stored, mismatched } = receiver.state();
    assert.equal(batches.at(-1), batches.at(-2), 'same batch id after the restart');
    assert.deepEqual(mismatched, [], 'the restart resent other bytes under the same batch id');
    assert.equal(stored.length, 14);
    // 10 + the rejected one twice + its neighbour + these two, each once.
    assert.equal(posted.length, 15);
    browser.assertNoErrors();
  });

  test('a withdrawal reaches the server once, then her sent records leave the phone', async () => {
    // A valid participant code: six symbols and the check symbol (weights 7…1, mod 31).
    const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const data = 'WXTHDR'.split('').map((c) => ALPHABET.indexOf(c));
    const sum = data.reduce((acc, v, i) => acc + (7 - i) * v, 0);
    const code = data.map((v) => ALPHABET[v]).join('') + ALPHABET[(31 - (sum % 31)) % 31];
    await page.goto(server.url + newPath('follow-up'));
    await ready(page);
    await byTestId(page, 'start-record').click();
    await byTestId(page, 'section-contact').waitFor();
    await page.fill('#q-participant_code', code);
    await page.fill('#q-site_code', 'KDR-TARIK');
    await page.fill('#q-visit_date', '2026-11-20');
    await byTestId(page, 'question-contact_kind').locator('label.option').first().click();
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'section-business').waitFor();
    await byTestId(page, 'question-business_started').locator('label.option', { hasText: 'Tidak' }).click();
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'section-wellbeing').waitFor();
    for (const a of ['psychological', 'social', 'emotional', 'financial', 'spiritual']) {
      await byTestId(page, `question-wb_${a}`).locator('label.scale-point').first().click();
    }
    await byTestId(page, 'form-next').click();
    await byTestId(page, 'section-next').waitFor();
    await byTestId(page, 'question-risk_of_returning').locator('label.option').first().click();
    await byTestId(page, 'form-finish').click();
    await page.waitForURL(/\/records\?saved=/);
    await until(() => Object.values(receiver.state().records).some((r) => r.site === 'KDR-TARIK'), 'her follow-up');
    const sent = Object.values(receiver.state().records).find((r) => r.site === 'KDR-TARIK').record_id;
    await page.waitForFunction(() => document.querySelector('[data-testid=record-row][data-status=sent]'));

    // Her page, then withdrawal with confirmation.
    await page.goto(server.url + '/people');
    await ready(page);
    await byTestId(page, 'person-row').filter({ hasText: 'KDR-TARIK' }).locator('a').click();
    await byTestId(page, 'person-code').waitFor();
    page.once('dialog', (d) => d.accept());
    await byTestId(page, 'withdraw-consent').click();
    await page.waitForURL(/\/records$/);
    await until(
      () => Object.values(receiver.state().records).some((r) => r.form_id === 'withdrawal'),
      'the withdrawal',
    );
    const withdrawal = Object.values(receiver.state().records).filter((r) => r.form_id === 'withdrawal');
    assert.equal(withdrawal.length, 1, 'sent once');
    assert.deepEqual(withdrawal[0].answers.values.withdrawn_records, { type: 'choices', value: [sent] });
    assert.equal(withdrawal[0].participant_code, code.slice(0, 4) + '-' + code.slice(4));
    // Confirmed: her record and the withdrawal itself leave IndexedDB —
    // the event that matters, whatever the page shows meanwhile.
    const hers = (records) => records.filter((r) => r.site === 'KDR-TARIK' || r.form_id === 'withdrawal');
    await until(async () => hers(await storedRecords(page)).length === 0, 'her records to leave the phone', 15_000);
    // …and the list no longer shows them.
    await page.waitForFunction(
      () => ![...document.querySelectorAll('[data-testid=record-row]')].some((r) => /KDR-TARIK|Penarikan/.test(r.textContent)),
    );
    browser.assertNoErrors();
  });
});

/** pouchdb-server, in memory, on 127.0.0.1, with CORS; stops with the test (or after 10 minutes). */
async function startCouch() {
  const cwd = mkdtempSync(join(tmpdir(), 'jangkau-couch-'));
  const port = 15984 + Math.floor(Math.random() * 1000);
  const child = spawn('timeout', ['600', join(ROOT, 'node_modules/.bin/pouchdb-server'), '--in-memory', '--host', '127.0.0.1', '--port', String(port)], {
    cwd,
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(base).catch(() => null))?.ok, 'pouchdb-server', 60_000);
  const put = (path, value) => fetch(base + path, { method: 'PUT', body: JSON.stringify(value) });
  await put('/_config/httpd/enable_cors', 'true');
  await put('/_config/cors/origins', '*');
  await put('/_config/cors/methods', 'GET, PUT, POST, HEAD, DELETE');
  await put('/_config/cors/headers', 'accept, authorization, content-type, origin, referer');
  await fetch(base + '/jangkau', { method: 'PUT' });
  return {
    origin: base,
    url: base + '/jangkau',
    docs: async () => (await (await fetch(base + '/jangkau/_all_docs?include_docs=true')).json()).rows.map((r) => r.doc),
    close: () => {
      child.kill();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

// Issue 12: a 307 to another origin the build allows was followed, and that
// origin's "created" marked the records sent; an answer that never ended
// was read into memory past the time limit.
describe('hostile servers', () => {
  let receiver;
  let elsewhere;
  let server;
  let dir;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({ token: TOKEN });
    elsewhere = await startReceiver();
    dir = buildFor([receiver.origin, elsewhere.origin]);
    server = await serve(dir);
    browser = await launch();
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    await elsewhere?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a redirect is never followed, and an endless answer is cut off', async () => {
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN }), /Tersimpan/);
    await browser.context.setOffline(true);
    await siteVisit(page, 'KDR-ALIH');
    receiver.faults([`redirect:${elsewhere.url}`]);
    await browser.context.setOffline(false);
    await openSend(page);
    await syncState(page, 'redirected');
    assert.match(await byTestId(page, 'sync-state').innerText(), /mengalihkan/);
    assert.deepEqual(elsewhere.state().batches, [], 'the redirect was followed');
    assert.equal(await waitingOnHome(page), 1, 'marked sent on another server\'s word');

    // New settings lift the stop; the next answer never ends.
    receiver.faults(['endless']);
    assert.match(await setServer(page, { url: receiver.url }), /Tersimpan/);
    await until(() => receiver.state().endless.length === 1, 'the phone to hang up on the endless answer');
    assert.ok(receiver.state().endless[0] < 64 * 1024 * 1024, `read ${receiver.state().endless[0]} bytes before stopping`);
    await openSend(page);
    await syncState(page, 'not-an-answer');
    assert.match(await byTestId(page, 'sync-state').innerText(), /terlalu besar/);

    // A well-behaved server takes it, once.
    await byTestId(page, 'send-now').click();
    await until(() => receiver.state().stored.length === 1, 'the record');
    assert.equal(await waitingOnHome(page), 0);
    assert.deepEqual(receiver.state().mismatched, []);
    browser.assertNoErrors();
  });

  // Issue 12: long unbroken text from a server or typed by the user widened
  // the page and pushed the bottom navigation off screen.
  test('a long server reason or address never widens the page', async () => {
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    receiver.rejectSite('KDR-PANJANG', 'x'.repeat(200));
    await siteVisit(page, 'KDR-PANJANG');
    await openSend(page);
    await byTestId(page, 'held-row').waitFor();
    assert.ok(await fits(), 'a 200-character reason widened the send page');
    assert.ok(await byTestId(page, 'nav-send').isVisible());
    await setServer(page, { url: `https://${'a'.repeat(10_000)}.example.org/batches` });
    await byTestId(page, 'endpoint-message').waitFor();
    assert.ok(await fits(), 'a 10 000-character address widened the settings page');
    for (const width of [320, 360]) {
      await page.setViewportSize({ width, height: 640 });
      assert.ok(await fits(), `settings at ${width} px`);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `settings-long-address-${width}.png`) });
    }
    await page.setViewportSize({ width: 360, height: 640 });
    receiver.rejectSite(null);
    browser.assertNoErrors();
  });
});

describe('sending to CouchDB (pouchdb-server)', () => {
  let couch;
  let server;
  let browser;
  let dir;

  before(async () => {
    assertReleaseBuild();
    couch = await startCouch();
    dir = buildFor([couch.origin]);
    server = await serve(dir);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    couch?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('one document per record; a killed page resends and a conflict on our own copy counts as delivered', async () => {
    browser = await launch();
    let page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    assert.match(await setServer(page, { url: couch.url, kind: 'couch_db' }), /Tersimpan/);
    await browser.context.setOffline(true);
    for (const site of ['MLG-1', 'MLG-2', 'MLG-3']) await siteVisit(page, site);
    // The database stores the batch, but the page dies before the answer.
    let stored = false;
    await page.route('**/_bulk_docs', async (route) => {
      await route.fetch();
      stored = true;
    });
    await browser.context.setOffline(false);
    await until(() => stored, 'CouchDB to store the batch');
    const profile = browser.profile;
    await browser.close({ keepProfile: true });

    browser = await launch({ profile });
    page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await until(async () => (await waiting(page)) === 0, 'the resend to be confirmed');
    const docs = await couch.docs();
    assert.equal(docs.length, 3);
    assert.deepEqual(docs.map((d) => d.site).sort(), ['MLG-1', 'MLG-2', 'MLG-3']);
    for (const d of docs) {
      assert.equal(d.type, 'jangkau.record');
      assert.match(d._rev, /^1-/, 'never overwritten');
      assert.equal(d.payload_sha256.length, 64);
    }
    await openSend(page);
    assert.match(await byTestId(page, 'history-row').first().innerText(), /3 terkirim/);
    browser.assertNoErrors();
  });
});

describe('sending with the app closed (Background Sync)', () => {
  let receiver;
  let server;
  let dir;
  let browser;
  let work;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({ token: TOKEN });
    dir = buildFor([receiver.origin]);
    server = await serve(dir);
    work = mkdtempSync(join(tmpdir(), 'jangkau-bgsync-'));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('records encrypted to the programme are sent by the service worker, then shown as sent', async () => {
    assert.equal(decryptor('keygen', join(work, 'programme')).status, 0);
    const publicPem = readFileSync(join(work, 'programme.public.pem'), 'utf8');

    browser = await launch();
    let page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN }), /Tersimpan/);
    await page.fill('#programme-key-text', publicPem);
    await byTestId(page, 'programme-key-save').click();
    await byTestId(page, 'programme-key-remove').waitFor();

    await browser.context.setOffline(true);
    await siteVisit(page, 'SBY-MALAM-1');
    await siteVisit(page, 'SBY-MALAM-2');
    // Offline, the app prepares the batch for the worker: encrypted, so it may
    // wait in clear; the answers are not in it.
    await until(async () => JSON.parse((await relayOf(page)) || '{"batches":[]}').batches.flatMap((b) => JSON.parse(b.body).records).length === 2, 'the relay');
    const relay = await relayOf(page);
    // Finished one after the other, both wait in one batch (the batch size
    // is 50), not in a request each.
    assert.equal(JSON.parse(relay).batches.length, 1, 'one relay batch for two records');
    assert.doesNotMatch(relay, /Sebagian|partly|site_active/);
    assert.match(relay, /jangkau_envelope/);

    // The app is closed; signal returns; the browser wakes the worker.
    await closeAndWakeWorker(browser, page, server.url);
    await until(() => receiver.state().stored.length === 2, 'the worker to deliver');
    assert.equal(new Set(receiver.state().batches).size, 1, 'the worker posted one batch');

    const records = Object.values(receiver.state().records);
    for (const r of records) {
      assert.equal(r.answers, undefined);
      assert.equal(r.participant_code, undefined);
      const file = join(work, `${r.record_id}.json`);
      writeFileSync(file, JSON.stringify(r.encrypted));
      const opened = decryptor('--key', join(work, 'programme.private.pem'), file);
      assert.equal(opened.status, 0, opened.stderr);
      assert.equal(JSON.parse(opened.stdout).answers.values.site_active.value, 'partly');
    }

    // The app, opened again, shows both as sent; nothing arrives twice.
    page = await browser.context.newPage();
    await page.goto(server.url + '/');
    await ready(page);
    await until(async () => (await waiting(page)) === 0, 'both shown as sent');
    assert.equal(receiver.state().stored.length, 2);
    assert.equal(receiver.state().posted.length, 2);
    browser.assertNoErrors();
  });

  // Issue 12: the worker marked sent any final record an answer named, not
  // only the records of that batch — a buggy server could make a record
  // that never left the phone look sent, and it would never be sent.
  test('the worker marks sent only the records of the batch the server answered', async () => {
    let page = browser.context.pages().find((p) => p.url().startsWith(server.url));
    // One record per batch, so the second record is in a batch of its own.
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN, batch: '1' }), /Tersimpan/);
    await browser.context.setOffline(true);
    await siteVisit(page, 'SBY-KLAIM-1');
    await siteVisit(page, 'SBY-KLAIM-2');
    const ids = (site) => storedRecords(page).then((all) => all.filter((r) => r.site === site).map((r) => r.id));
    const [first] = await ids('SBY-KLAIM-1');
    const [second] = await ids('SBY-KLAIM-2');
    await until(async () => JSON.parse((await relayOf(page)) || '{"batches":[]}').batches.length === 2, 'two relay batches');
    // The answer to the first batch also claims the second record, which
    // the server itself refuses (so it never has it, however often the
    // browser wakes the worker).
    receiver.faults([`claim:${second}`]);
    receiver.rejectSite('SBY-KLAIM-2');
    const posted = receiver.state().batches.length;
    await closeAndWakeWorker(browser, page, server.url);
    await until(() => receiver.state().batches.length >= posted + 2, 'both batches posted');
    page = await browser.context.newPage();
    await page.goto(server.url + '/manifest.webmanifest');
    await until(async () => (await storedRecords(page)).find((r) => r.id === first)?.status === 'sent', 'the first record marked sent');
    assert.ok(!receiver.state().stored.includes(second));
    assert.equal((await storedRecords(page)).find((r) => r.id === second).status, 'final', 'a record the server never had was marked sent');
    receiver.rejectSite(null);
    assert.deepEqual(receiver.state().mismatched, []);
    browser.assertNoErrors();
  });
});
