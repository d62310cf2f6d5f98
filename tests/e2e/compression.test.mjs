// End-to-end compression on the release build (issue 15): a Jangkau server
// that announces `Accept-Encoding: gzip` gets gzip bodies (from the first
// batch when "Test connection" told the phone), resends decompress to the
// same body, a server that stops taking gzip gets the batch again plain,
// the service worker compresses its relay batches, and records encrypted
// to the programme travel in version-2 envelopes the decryptor opens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReleaseBuild, byTestId, controlled, launch, ready, serve, until } from './harness.mjs';
import { startReceiver } from '../receiver/receiver.mjs';
import { buildFor, closeAndWakeWorker, decryptor, openSend, relayOf, setServer, siteVisit } from './sending.mjs';

const TOKEN = 'rahasia-uji-gzip';

/** "Test connection" with what the settings page holds, until it says connected. */
async function testConnection(page) {
  await byTestId(page, 'endpoint-test').click();
  await page.waitForFunction(() => /Terhubung/.test(document.querySelector('[data-testid=endpoint-message]')?.textContent ?? ''));
}

/** Taps "Send now" until `done()` holds (a tap skips the backoff wait). */
async function sendUntil(page, done, what) {
  await openSend(page);
  const end = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    const button = byTestId(page, 'send-now');
    if (await button.isEnabled()) await button.click({ timeout: 1000 }).catch(() => {});
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

describe('compressed sending', () => {
  let receiver;
  let server;
  let dir;
  let browser;
  let work;

  before(async () => {
    assertReleaseBuild();
    receiver = await startReceiver({ token: TOKEN, gzip: true });
    dir = buildFor([receiver.origin]);
    server = await serve(dir);
    work = mkdtempSync(join(tmpdir(), 'jangkau-gzip-'));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a server that announces gzip gets gzip bodies; one that stops gets the batch again plain', async () => {
    browser = await launch();
    const page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    assert.match(await setServer(page, { url: receiver.url, token: TOKEN, batch: '2' }), /Tersimpan/);
    await testConnection(page);

    await browser.context.setOffline(true);
    for (let i = 0; i < 5; i++) await siteVisit(page, `GZ-${i}`);
    // The first answer is lost after the server stored the batch: the phone
    // sends the same batch again, compressed again.
    receiver.faults(['drop']);
    await browser.context.setOffline(false);
    await sendUntil(page, () => receiver.state().stored.length === 5, 'five records');
    let state = receiver.state();
    assert.ok(state.encodings.length >= 4, `${state.encodings}`);
    assert.deepEqual([...new Set(state.encodings)], ['gzip'], 'every body compressed, the first one too');
    assert.deepEqual(state.mismatched, [], 'a resend decompressed to other content');
    assert.equal(state.posted.length, 5, 'each record stored once');
    const repeats = state.batches.filter((id, i) => state.batches.indexOf(id) !== i);
    assert.equal(repeats.length, 1, 'the batch whose answer was lost came again under its id');
    // Even two records a batch compress to well under two thirds.
    const ratio = state.bodyBytes / state.decodedBytes;
    assert.ok(ratio < 0.67, `${state.bodyBytes} bytes on the wire for ${state.decodedBytes} bytes of JSON`);
    assert.equal(Object.values(state.records).find((r) => r.site === 'GZ-3').answers.values.site_active.value, 'partly');

    // The server is changed and no longer reads gzip: 415, then the same
    // batch plain, and plain from then on.
    receiver.acceptGzip(false);
    const before = state.encodings.length;
    await siteVisit(page, 'GZ-5');
    await sendUntil(page, () => receiver.state().stored.length === 6, 'the sixth record');
    await siteVisit(page, 'GZ-6');
    await sendUntil(page, () => receiver.state().stored.length === 7, 'the seventh record');
    state = receiver.state();
    assert.deepEqual(state.encodings.slice(before), ['gzip refused', 'identity', 'identity']);
    assert.deepEqual(state.mismatched, []);
    browser.assertNoErrors();
  });

  test('the service worker gzips its relay, and envelopes are version 2', async () => {
    receiver.acceptGzip(true);
    assert.equal(decryptor('keygen', join(work, 'programme')).status, 0);
    const page = browser.context.pages().find((p) => p.url().startsWith(server.url));
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'server-settings').waitFor();
    await page.fill('#programme-key-text', readFileSync(join(work, 'programme.public.pem'), 'utf8'));
    await byTestId(page, 'programme-key-save').click();
    await byTestId(page, 'programme-key-remove').waitFor();
    await page.fill('[data-testid=endpoint-url]', receiver.url);
    await page.fill('[data-testid=endpoint-token]', TOKEN);
    await testConnection(page);

    await browser.context.setOffline(true);
    await siteVisit(page, 'GZ-KUNCI-1');
    await siteVisit(page, 'GZ-KUNCI-2');
    await until(async () => JSON.parse((await relayOf(page)) || '{"batches":[]}').batches.flatMap((b) => JSON.parse(b.body).records).length === 2, 'the relay');
    const relay = JSON.parse(await relayOf(page));
    assert.ok(relay.batches.every((b) => b.gzip), 'relay batches marked for gzip');
    const before = receiver.state().encodings.length;
    const stored = receiver.state().stored.length;
    await closeAndWakeWorker(browser, page, server.url);
    await until(() => receiver.state().stored.length === stored + 2, 'the worker to deliver');
    const state = receiver.state();
    assert.deepEqual(state.encodings.slice(before), ['gzip']);
    const sealed = Object.values(state.records).filter((r) => r.encrypted);
    assert.equal(sealed.length, 2);
    for (const r of sealed) {
      assert.equal(r.encrypted.jangkau_envelope, 2);
      const file = join(work, `${r.record_id}.json`);
      writeFileSync(file, JSON.stringify(r.encrypted));
      const opened = decryptor('--key', join(work, 'programme.private.pem'), file);
      assert.equal(opened.status, 0, opened.stderr);
      assert.match(JSON.parse(opened.stdout).answers.values.site_code.value, /^GZ-KUNCI-/);
    }
    browser.assertNoErrors();
  });
});
