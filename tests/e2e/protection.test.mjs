// End-to-end tests of the protection around the records: PIN set-up, the
// raw store holding no answer, auto-lock clearing the page, wrong PINs,
// quick exit and Back, changing the PIN, a tampered record, discreet mode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIST, TEST_PIN, assertReleaseBuild, byTestId, launch, rawStore, ready, serve, unlockWith, newPath } from './harness.mjs';

const SECRET = 'Tim RAHASIA-7Q';

/**
 * Changes a stored record behind the app's back, straight in IndexedDB:
 * flips one bit of its sealed payload, or gives it another shape.
 */
function alterRecord(page, id, { flipSealedByte = false, shape = null }) {
  return page.evaluate(
    ({ id, flipSealedByte, shape }) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('jangkau');
        open.onsuccess = () => {
          const tx = open.result.transaction('records', 'readwrite');
          const store = tx.objectStore('records');
          const get = store.get(id);
          get.onsuccess = () => {
            const record = get.result;
            if (flipSealedByte) {
              const bytes = new Uint8Array(record.sealed);
              bytes[bytes.length - 5] ^= 0x01;
              record.sealed = bytes;
            }
            if (shape !== null) record.shape = shape;
            store.put(record);
          };
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    { id, flipSealedByte, shape },
  );
}

/** All text the page holds: rendered text, markup, and every field's value. */
function pageText(page) {
  return page.evaluate(() =>
    [
      document.body.innerText,
      document.documentElement.outerHTML,
      document.title,
      location.href,
      ...[...document.querySelectorAll('input, textarea')].map((e) => e.value),
    ].join('\n'),
  );
}

/** Starts a site visit and types SECRET as the team; returns its URL. */
async function draftWithSecret(page, base) {
  await page.goto(base + newPath('site-visit'));
  await ready(page);
  await byTestId(page, 'start-record').click();
  await byTestId(page, 'section-visit').waitFor();
  await page.fill('#q-site_code', 'KDR-LOCK');
  await page.fill('#q-team', SECRET);
  await page.waitForFunction(() => document.querySelector('[data-testid=save-state]')?.textContent.includes('Tersimpan'));
  return page.url();
}

describe('protection', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST);
    browser = await launch();
    page = browser.page;
    // Timers and Date under the test's control, so idle time can pass at once.
    await page.clock.install();
    await page.goto(server.url + '/');
    const first = await ready(page, { unlock: false });
    assert.equal(first, 'setup-lock', 'a new phone starts by setting a PIN');
  });

  after(async () => {
    try {
      browser?.assertNoErrors();
      browser?.assertConsoleNeverShows([SECRET, TEST_PIN]);
    } finally {
      await browser?.close();
      await server?.close();
    }
  });

  test('setting a PIN warns that forgetting it loses unsent records, and refuses weak ones', async () => {
    assert.match(await byTestId(page, 'forget-warning').innerText(), /tidak ada yang bisa membuka/);
    await page.fill('[data-testid="new-secret"]', '123456');
    await page.fill('[data-testid="repeat-secret"]', '123456');
    await byTestId(page, 'setup-submit').click();
    assert.match(await byTestId(page, 'lock-problem').innerText(), /mudah ditebak/);
    // The fields are emptied after each try: the PIN does not linger.
    assert.equal(await page.inputValue('[data-testid="new-secret"]'), '');
    await byTestId(page, 'kind-passphrase').click();
    await page.fill('[data-testid="new-secret"]', '          ');
    await page.fill('[data-testid="repeat-secret"]', '          ');
    await byTestId(page, 'setup-submit').click();
    assert.match(await byTestId(page, 'lock-problem').innerText(), /Spasi saja/);
    const long = 'x'.repeat(10_000);
    await page.fill('[data-testid="new-secret"]', long);
    await page.fill('[data-testid="repeat-secret"]', long);
    await byTestId(page, 'setup-submit').click();
    assert.match(await byTestId(page, 'lock-problem').innerText(), /Paling banyak 256/);
    await byTestId(page, 'kind-pin').click();
    assert.equal(await byTestId(page, 'new-secret').getAttribute('inputmode'), 'numeric');
    await page.fill('[data-testid="new-secret"]', TEST_PIN);
    await page.fill('[data-testid="repeat-secret"]', '482916');
    await byTestId(page, 'setup-submit').click();
    assert.match(await byTestId(page, 'lock-problem').innerText(), /berbeda/);
    await page.fill('[data-testid="new-secret"]', TEST_PIN);
    await page.fill('[data-testid="repeat-secret"]', TEST_PIN);
    await byTestId(page, 'setup-submit').click();
    await byTestId(page, 'nav-home').waitFor({ timeout: 30_000 });
  });

  test('the raw store holds no answer, no PIN; only clear listing fields', async () => {
    await draftWithSecret(page, server.url);
    const raw = await rawStore(page);
    assert.match(raw, /site_visit/, 'the inspection reads the records');
    assert.ok(!raw.includes(SECRET), 'a typed answer is in the raw store');
    assert.ok(!raw.includes('RAHASIA'), 'part of a typed answer is in the raw store');
    assert.ok(!raw.includes(TEST_PIN), 'the PIN is in the raw store');
    assert.match(raw, /aes-256-gcm/);
  });

  test('an answer typed just before leaving the page is still written, encrypted', async () => {
    const url = await draftWithSecret(page, server.url);
    await page.fill('#q-village', 'Desa TERAKHIR');
    // No pause: a full navigation tears the page down at once.
    await page.goto(server.url + '/records');
    await ready(page);
    await page.goto(url);
    await ready(page);
    await byTestId(page, 'section-visit').waitFor();
    assert.equal(await page.inputValue('#q-village'), 'Desa TERAKHIR');
    assert.ok(!(await rawStore(page)).includes('TERAKHIR'));
  });

  test('idle time locks, clears every answer from the page, and the record is intact after unlocking', async () => {
    const url = await draftWithSecret(page, server.url);
    assert.ok((await pageText(page)).includes(SECRET));
    await page.clock.fastForward('05:10');
    await byTestId(page, 'unlock').waitFor();
    const locked = await pageText(page);
    assert.ok(!locked.includes(SECRET), 'an answer is still in the page while locked');
    assert.ok(!locked.includes('KDR-LOCK'), 'the record is still on screen while locked');
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'section-visit').waitFor();
    assert.equal(page.url(), url, 'unlocking returns to where the user was');
    assert.equal(await page.inputValue('#q-team'), SECRET);
  });

  test('being out of sight for over a minute locks', async () => {
    await draftWithSecret(page, server.url);
    // Headless Chromium keeps every tab visible, so the page is told it is
    // hidden the way the browser tells it: visibilityState and the event.
    const setHidden = (hidden) =>
      page.evaluate((hidden) => {
        if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        else delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      }, hidden);
    await setHidden(true);
    await page.clock.fastForward('00:50');
    assert.equal(await byTestId(page, 'unlock').count(), 0, 'locked before a minute out of sight');
    await page.clock.fastForward('00:15');
    await byTestId(page, 'unlock').waitFor();
    await setHidden(false);
    assert.ok(!(await pageText(page)).includes(SECRET));
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'section-visit').waitFor();
  });

  test('wrong PINs are refused with a growing wait that survives a reload', async () => {
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'lock-now').click();
    await byTestId(page, 'unlock').waitFor();
    // An empty tap is not counted as a wrong attempt.
    await byTestId(page, 'unlock-submit').click();
    await page.locator('[data-testid="lock-problem"]', { hasText: 'Ketik PIN' }).waitFor();
    for (let i = 1; i <= 3; i++) {
      await unlockWith(page, '000001');
      await page.locator('[data-testid="lock-problem"]', { hasText: 'salah' }).waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="unlock-submit"]').disabled);
    }
    await unlockWith(page, '000001');
    await byTestId(page, 'lock-wait').waitFor();
    assert.match(await byTestId(page, 'lock-wait').innerText(), /Coba lagi dalam (29|30) detik/);
    assert.ok(await byTestId(page, 'unlock-submit').isDisabled());
    await page.reload();
    await ready(page, { unlock: false });
    // The wait is shown again straight after the reload…
    await byTestId(page, 'lock-wait').waitFor();
    assert.ok(await byTestId(page, 'unlock-submit').isDisabled());
    // …and the right PIN during the wait is not even tried.
    await page.fill('[data-testid="unlock-secret"]', TEST_PIN);
    await page.press('[data-testid="unlock-secret"]', 'Enter');
    // A negative check: nothing may happen, so there is no event to wait
    // for; an unlock (≈ 750 ms of PBKDF2) would have shown by now.
    await page.waitForTimeout(1000);
    await byTestId(page, 'lock-wait').waitFor();
    assert.equal(await byTestId(page, 'nav-home').count(), 0);
    await page.clock.fastForward('00:31');
    await page.waitForFunction(() => !document.querySelector('[data-testid="unlock-submit"]').disabled);
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'nav-home').waitFor();
  });

  test('quick exit shows a neutral page at once, and Back shows nothing of the form', async () => {
    await draftWithSecret(page, server.url);
    await byTestId(page, 'quick-exit').click();
    await byTestId(page, 'neutral').waitFor();
    assert.equal(await page.title(), 'Catatan');
    assert.equal(new URL(page.url()).pathname, '/');
    let text = await pageText(page);
    assert.ok(!text.includes(SECRET) && !text.includes('KDR-LOCK'), text);
    assert.ok(!(await page.evaluate(() => document.body.innerText)).includes('Jangkau'));
    await page.goBack();
    await page.waitForSelector('[data-testid="neutral"], [data-testid="unlock"]');
    text = await pageText(page);
    assert.ok(!text.includes(SECRET) && !text.includes('KDR-LOCK'), 'Back showed the form');
    assert.equal(await page.locator('#q-team').count(), 0);
    assert.ok((await byTestId(page, 'neutral').count()) + (await byTestId(page, 'unlock').count()) > 0);
    // From the neutral page, the way back in is the lock screen.
    await byTestId(page, 'neutral-open').click();
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'nav-home').waitFor();
  });

  test('locking while a write is in flight still writes the newest answer', async () => {
    const url = await draftWithSecret(page, server.url);
    await page.evaluate(async () => {
      const input = document.querySelector('#q-village');
      const type = (text) => {
        input.value = text;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      };
      type('Desa A');
      // Let that write start (its encryption is now in flight)…
      await Promise.resolve();
      await Promise.resolve();
      // …then change the answer again and leave at once.
      type('Desa AB');
      document.querySelector('[data-testid="quick-exit"]').click();
    });
    await byTestId(page, 'neutral').waitFor();
    await page.goto(url);
    await ready(page);
    await byTestId(page, 'section-visit').waitFor();
    assert.equal(await page.inputValue('#q-village'), 'Desa AB');
  });

  test('three quick taps on the top bar are a quick exit too', async () => {
    await draftWithSecret(page, server.url);
    const bar = byTestId(page, 'brand');
    await bar.click();
    await bar.click();
    await bar.click();
    await byTestId(page, 'neutral').waitFor();
    assert.ok(!(await pageText(page)).includes(SECRET));
    await byTestId(page, 'neutral-open').click();
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'nav-home').waitFor();
  });

  test('changing the PIN: the old one stops working, the new one opens the same records', async () => {
    const url = await draftWithSecret(page, server.url);
    await page.goto(server.url + '/settings');
    await ready(page);
    // Where a new PIN is chosen, so is what forgetting it would cost.
    assert.match(await byTestId(page, 'unsent-at-change').innerText(), /belum terkirim: [1-9]\d*\./);
    await page.fill('#current-secret', '999999');
    await page.fill('#changed-secret', '7391046');
    await page.fill('#changed-repeat', '7391046');
    await byTestId(page, 'change-submit').click();
    await page.locator('[data-testid="change-problem"]', { hasText: 'salah' }).waitFor();
    await page.fill('#current-secret', TEST_PIN);
    await page.fill('#changed-secret', '7391046');
    await page.fill('#changed-repeat', '7391046');
    await byTestId(page, 'change-submit').click();
    await byTestId(page, 'change-done').waitFor({ timeout: 30_000 });
    await byTestId(page, 'lock-now').click();
    await unlockWith(page, TEST_PIN);
    await page.locator('[data-testid="lock-problem"]', { hasText: 'salah' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid="unlock-submit"]').disabled);
    await unlockWith(page, '7391046');
    await byTestId(page, 'nav-home').waitFor();
    await page.goto(url);
    await ready(page, { unlock: false });
    await unlockWith(page, '7391046');
    await byTestId(page, 'section-visit').waitFor();
    assert.equal(await page.inputValue('#q-team'), SECRET);
    // Back to the PIN the other tests use.
    await page.goto(server.url + '/settings');
    await ready(page, { unlock: false });
    await unlockWith(page, '7391046');
    await page.fill('#current-secret', '7391046');
    await page.fill('#changed-secret', TEST_PIN);
    await page.fill('#changed-repeat', TEST_PIN);
    await byTestId(page, 'change-submit').click();
    await byTestId(page, 'change-done').waitFor({ timeout: 30_000 });
  });

  test('a record altered in storage is reported as damaged, and the app keeps working', async () => {
    const url = await draftWithSecret(page, server.url);
    const id = new URL(url).pathname.split('/')[2];
    await alterRecord(page, id, { flipSealedByte: true });
    await page.goto(`${server.url}/record/${id}`);
    await ready(page);
    await byTestId(page, 'record-damaged').waitFor();
    assert.match(await byTestId(page, 'record-damaged').innerText(), /rusak/);
    await byTestId(page, 'nav-records').click();
    await byTestId(page, 'record-list').waitFor();
  });

  // Issue 12: an unexpected error on a page showed nothing; the error
  // boundary says what happened and leads home.
  test('a record from a newer Jangkau gets a clear notice from the error boundary', async () => {
    const url = await draftWithSecret(page, server.url);
    const id = new URL(url).pathname.split('/')[2];
    await alterRecord(page, id, { shape: 99 });
    await page.goto(`${server.url}/record/${id}/0`);
    await ready(page);
    await byTestId(page, 'app-error').waitFor();
    assert.match(await byTestId(page, 'app-error').innerText(), /versi Jangkau yang lebih baru/);
    await byTestId(page, 'app-error').locator('a').click();
    await byTestId(page, 'nav-home').waitFor();
    assert.equal(await byTestId(page, 'app-error').count(), 0, 'the notice stayed after leaving the page');
  });

  test('discreet mode: a neutral name in the tab and the top bar, from the first screen', async () => {
    await page.goto(server.url + '/settings');
    await ready(page);
    assert.equal(await page.title(), 'Jangkau');
    await byTestId(page, 'discreet').check();
    assert.equal(await page.title(), 'Catatan');
    assert.equal(await byTestId(page, 'brand').innerText(), 'Catatan');
    await page.reload();
    await ready(page, { unlock: false });
    assert.equal(await page.title(), 'Catatan');
    assert.ok(!(await page.evaluate(() => document.body.innerText)).includes('Jangkau'));
    await unlockWith(page, TEST_PIN);
    await byTestId(page, 'discreet').uncheck();
    assert.equal(await page.title(), 'Jangkau');
  });

  test('a damaged key file gets a clear screen and is never replaced', async () => {
    const meta = (change) =>
      page.evaluate(
        (change) =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open('jangkau');
            open.onsuccess = () => {
              const tx = open.result.transaction('meta', 'readwrite');
              const store = tx.objectStore('meta');
              const get = store.get('keyfile');
              let before;
              get.onsuccess = () => {
                before = get.result.value;
                if (change !== null) store.put({ key: 'keyfile', value: change ?? before.slice(0, 40) });
              };
              tx.oncomplete = () => { open.result.close(); resolve(before); };
              tx.onerror = () => reject(tx.error);
            };
          }),
        change,
      );
    const original = await meta(null);
    await meta(undefined);
    await page.reload();
    assert.equal(await ready(page, { unlock: false }), 'key-damaged');
    assert.match(await byTestId(page, 'key-damaged').innerText(), /tidak akan menimpanya/);
    assert.equal(await byTestId(page, 'setup-lock').count(), 0, 'offered to set a new PIN over the old records');
    // Still damaged, not overwritten, after the screen was shown.
    assert.notEqual(await meta(null), original);
    await meta(original);
    await page.reload();
    await ready(page);
  });
});

describe('end-to-end encryption to a programme key', () => {
  test('an export encrypted in the browser opens with the programme private key, and only with it', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ROOT } = await import('./harness.mjs');
    const work = mkdtempSync(join(tmpdir(), 'jangkau-e2ee-'));
    const decryptor = (...args) =>
      spawnSync('cargo', ['run', '--quiet', '--bin', 'jangkau-decrypt', '--', ...args], { cwd: ROOT, encoding: 'utf8' });
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch();
    const page = browser.page;
    try {
      const made = decryptor('keygen', join(work, 'programme'));
      assert.equal(made.status, 0, made.stderr);
      const fingerprint = made.stdout.match(/fingerprint: ([0-9a-f ]+)/)[1].trim();
      const publicPem = readFileSync(join(work, 'programme.public.pem'), 'utf8');
      const privatePem = readFileSync(join(work, 'programme.private.pem'), 'utf8');

      await page.goto(server.url + newPath('site-visit'));
      await ready(page);
      await byTestId(page, 'start-record').click();
      await byTestId(page, 'section-visit').waitFor();
      await page.fill('#q-site_code', 'KDR-E2EE');
      await page.fill('#q-visit_date', '2026-11-20');
      await page.fill('#q-team', SECRET);
      await byTestId(page, 'form-next').click();
      await byTestId(page, 'section-situation').waitFor();
      await byTestId(page, 'question-site_active').locator('label.option').first().click();
      while (!(await byTestId(page, 'form-finish').count())) await byTestId(page, 'form-next').click();
      await byTestId(page, 'form-finish').click();
      await page.waitForURL(/\/records\?saved=/);

      await byTestId(page, 'nav-settings').click();
      // A private key pasted by mistake is refused, and says why.
      await page.fill('#programme-key-text', privatePem);
      await byTestId(page, 'programme-key-save').click();
      assert.match(await byTestId(page, 'key-problem').innerText(), /kunci privat/);
      await page.fill('#programme-key-text', '{"kty":"RSA","n":"AQAB","e":"AQAB"}');
      await byTestId(page, 'programme-key-save').click();
      await page.locator('[data-testid="key-problem"]', { hasText: 'bukan kunci publik' }).waitFor();
      await page.fill('#programme-key-text', publicPem);
      await byTestId(page, 'programme-key-save').click();
      await page.locator('[data-testid="programme-key-state"]', { hasText: fingerprint }).waitFor();

      // Export page: with a key, no warning to confirm, and the file is sealed.
      await page.goto(server.url + '/exchange');
      await ready(page);
      await byTestId(page, 'export-encrypted-note').waitFor();
      assert.equal(await byTestId(page, 'export-plain-warning').count(), 0);
      await byTestId(page, 'export-json').check();
      await byTestId(page, 'export-start').click();
      const done = byTestId(page, 'export-done');
      await done.waitFor();
      assert.equal(await done.getAttribute('data-records'), '1');
      assert.equal(await done.getAttribute('data-encrypted'), 'true');
      const downloading = page.waitForEvent('download');
      await byTestId(page, 'export-download').click();
      const download = await downloading;
      assert.match(download.suggestedFilename(), /^jangkau-\d{8}-\d{4}-records\.json\.jangkau\.json$/);
      const file = join(work, 'export.json');
      await download.saveAs(file);

      const sealed = readFileSync(file, 'utf8');
      assert.ok(!sealed.includes(SECRET) && !sealed.includes('KDR-E2EE'), 'the export is readable without the key');
      const opened = decryptor('--key', join(work, 'programme.private.pem'), file);
      assert.equal(opened.status, 0, opened.stderr);
      const data = JSON.parse(opened.stdout);
      assert.equal(data.schema, 'jangkau.batch/1', 'the same format the server receives');
      assert.equal(data.records.length, 1);
      assert.match(data.records[0].payload_sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(data.records[0].answers.values.team, { type: "text", value: SECRET });

      // Another key cannot open it; a flipped character is detected.
      assert.equal(decryptor('keygen', join(work, 'other')).status, 0);
      const other = decryptor('--key', join(work, 'other.private.pem'), file);
      assert.equal(other.status, 1);
      assert.match(other.stderr, /another programme key/);
      const envelope = JSON.parse(sealed);
      envelope.ct = (envelope.ct[0] === 'A' ? 'B' : 'A') + envelope.ct.slice(1);
      writeFileSync(file, JSON.stringify(envelope));
      const tampered = decryptor('--key', join(work, 'programme.private.pem'), file);
      assert.equal(tampered.status, 1);
      assert.match(tampered.stderr, /damaged or was changed/);
      browser.assertNoErrors();
      browser.assertConsoleNeverShows([SECRET]);
    } finally {
      await browser.close();
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('a plain-http address on the network', () => {
  test('gets a clear "open over HTTPS" screen instead of a PIN that could never work', async (t) => {
    const { networkInterfaces } = await import('node:os');
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!lan) {
      t.skip('this machine has no non-loopback IPv4 address');
      return;
    }
    const { startServer } = await import('../../scripts/static-server.mjs');
    assertReleaseBuild();
    const server = await startServer({ dir: DIST, host: '0.0.0.0', port: 0 });
    const browser = await launch();
    try {
      const page = browser.page;
      await page.goto(`http://${lan.address}:${server.address().port}/`);
      assert.equal(await page.evaluate(() => window.isSecureContext), false);
      assert.equal(await ready(page, { unlock: false }), 'needs-https');
      assert.match(await byTestId(page, 'needs-https').innerText(), /https:\/\//);
      assert.equal(await byTestId(page, 'setup-lock').count(), 0);
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
    }
  });
});
