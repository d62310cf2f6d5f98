// End-to-end tests of the release build in Chromium: home, service worker,
// offline start and navigation, installability, language memory, the
// 360×640 screenshot, and the "new version" reload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, DIST, assertReleaseBuild, byTestId, controlled, copyOfBuild, launch, ready, serve, newPath } from './harness.mjs';

/** The precache list and version that the build wrote into sw.js. */
function builtServiceWorker(dir) {
  const sw = readFileSync(join(dir, 'sw.js'), 'utf8');
  const version = sw.match(/const VERSION = '([0-9a-f]+)'/)[1];
  const precache = JSON.parse(sw.match(/const PRECACHE = (\[.*\]);/)[1]);
  return { version, precache };
}

describe('the installed app', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST);
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    try {
      browser?.assertNoErrors();
    } finally {
      await browser?.close();
      await server?.close();
    }
  });

  test('home renders in Bahasa Indonesia with three record kinds and the status strip', async () => {
    await page.goto(server.url + '/');
    await ready(page);
    assert.equal(await page.locator('html').getAttribute('lang'), 'id');
    assert.equal(await page.title(), 'Jangkau');
    assert.match(await byTestId(page, 'kind-site-visit').innerText(), /Kunjungan lokasi/);
    assert.match(await byTestId(page, 'kind-needs-assessment').innerText(), /Asesmen kebutuhan/);
    assert.match(await byTestId(page, 'kind-follow-up').innerText(), /Kunjungan tindak lanjut/);
    assert.equal(await byTestId(page, 'status-on-phone').innerText(), '0');
    assert.equal(await byTestId(page, 'status-waiting').innerText(), '0');
    assert.equal(await byTestId(page, 'status-last-sent').innerText(), 'belum pernah');
    // A first install is not an update: no banner.
    assert.equal(await byTestId(page, 'update-banner').count(), 0);
  });

  test('every control is at least 48 px tall and the page fits 360 px', async () => {
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('button, a')]
        .map((el) => ({ text: el.textContent.trim(), h: el.getBoundingClientRect().height }))
        .filter((c) => c.h < 48)
    );
    assert.deepEqual(small, []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 360, `page is ${overflow}px wide`);
  });

  test('the service worker controls the page and has precached the whole build', async () => {
    await controlled(page);
    const { version, precache } = builtServiceWorker(DIST);
    const cached = await page.evaluate(async (name) => {
      const cache = await caches.open(name);
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    }, `jangkau-${version}`);
    const expected = precache.map((u) => u.replace(/^\.\//, '/'));
    assert.deepEqual(cached.sort(), expected.sort());
    assert.ok(expected.some((p) => p.endsWith('.wasm')), 'the wasm file is precached');
  });

  test('installable: Chrome reports no installability errors', async () => {
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    await cdp.detach();
  });

  test('the language choice is remembered across reloads', async () => {
    await byTestId(page, 'lang-switch').click();
    await page.waitForFunction(() => document.body.innerText.includes('Site visit'));
    await page.reload();
    await ready(page);
    assert.match(await byTestId(page, 'kind-site-visit').innerText(), /Site visit/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await byTestId(page, 'lang-switch').click();
    await page.waitForFunction(() => document.body.innerText.includes('Kunjungan lokasi'));
  });

  test('a screenshot at 360×640 is written', async () => {
    await page.goto(server.url + '/');
    await ready(page);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'home-360x640.png');
    const png = await page.screenshot({ path: file });
    assert.equal(png.readUInt32BE(16), 360);
    assert.equal(png.readUInt32BE(20), 640);
  });

  test('offline: a reload still renders the app and every route works', async () => {
    await controlled(page);
    // Both: the browser believes it is offline, and the server is gone.
    await server.close();
    await page.context().setOffline(true);
    try {
      await page.reload();
      await ready(page);
      assert.match(await byTestId(page, 'kind-site-visit').innerText(), /Kunjungan lokasi/);
      await byTestId(page, 'offline-badge').waitFor();

      await byTestId(page, 'kind-follow-up').click();
      await byTestId(page, 'new-record-title').waitFor();
      assert.equal(await byTestId(page, 'new-record-title').innerText(), 'Kunjungan tindak lanjut');
      assert.equal(new URL(page.url()).pathname, newPath('follow-up'));

      await byTestId(page, 'nav-settings').click();
      await byTestId(page, 'settings-title').waitFor();
      // The worker's registration resolves asynchronously after start.
      await page.locator('[data-testid="offline-ready"]', { hasText: /^Siap dipakai tanpa sinyal/ }).waitFor({ timeout: 20_000 });

      // A cold navigation to a deep link is answered by the worker too.
      await page.goto(server.url + '/records');
      await ready(page);
      await byTestId(page, 'records-title').waitFor();

      // Back to a page of the previous load: a fresh start, so locked again.
      await page.goBack();
      await ready(page);
      await byTestId(page, 'settings-title').waitFor();
      await byTestId(page, 'nav-home').click();
      await byTestId(page, 'kind-site-visit').waitFor();
    } finally {
      await page.context().setOffline(false);
      server = await serve(DIST, server.port);
    }
  });

  test('an unknown address shows "not found", not a blank page', async () => {
    await page.goto(server.url + newPath('no-such-kind'));
    await ready(page);
    await byTestId(page, 'not-found').waitFor();
    // Issue 12: a record address that is not a record id stayed on
    // "Memuat…" (loading) for ever.
    for (const path of ['/record/not-a-uuid', '/record/not-a-uuid/2', `/record/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`]) {
      await page.goto(server.url + path);
      await ready(page);
      await byTestId(page, 'record-missing').waitFor({ timeout: 10_000 });
    }
  });
});

describe('storage', () => {
  test('settings show whether data is kept and how much space is used', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch();
    try {
      await browser.page.goto(server.url + '/settings');
      await ready(browser.page);
      await byTestId(browser.page, 'storage-usage').getByText(/Terpakai \d+(,\d)? [KMG]B dari \d+(,\d)? [KMG]B/).waitFor();
      assert.match(await byTestId(browser.page, 'storage-persistence').innerText(), /Data dijaga|Browser boleh menghapus/);
      assert.equal(await byTestId(browser.page, 'storage-problem').count(), 0);
      // The database was created with the current layout.
      const stores = await browser.page.evaluate(async () => {
        const dbs = await indexedDB.databases();
        return dbs.filter((d) => d.name === 'jangkau').map((d) => d.version);
      });
      assert.deepEqual(stores, [2]);
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  });

  test('a browser that refuses IndexedDB gets a clear explanation, not a blank page', async () => {
    assertReleaseBuild();
    const server = await serve(DIST);
    const browser = await launch();
    try {
      await browser.context.addInitScript(() => {
        IDBFactory.prototype.open = function () {
          throw new DOMException('storage is disabled', 'SecurityError');
        };
      });
      await browser.page.goto(server.url + '/');
      await ready(browser.page);
      const problem = byTestId(browser.page, 'storage-problem');
      await problem.waitFor();
      assert.match(await problem.innerText(), /tidak bisa menyimpan data di browser ini/);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('a new deployment', () => {
  test('is announced in one line and a tap reloads into it', async () => {
    assertReleaseBuild();
    const deployment = copyOfBuild();
    const server = await serve(deployment);
    const browser = await launch();
    const { page } = browser;
    try {
      await page.goto(server.url + '/');
      await ready(page);
      await controlled(page);
      const before = builtServiceWorker(deployment).version;

      // Deploy "the next version": new shell content, and a new worker.
      const index = join(deployment, 'index.html');
      writeFileSync(index, readFileSync(index, 'utf8').replace('<title>', '<meta name="x-build" content="next"><title>'));
      const swPath = join(deployment, 'sw.js');
      const next = 'feedc0de' + before.slice(8);
      writeFileSync(swPath, readFileSync(swPath, 'utf8').replace(`'${before}'`, `'${next}'`));

      // Mark this page: an automatic reload would lose the mark.
      await page.evaluate(() => { window.__stillHere = true; });
      // Coming back to the foreground is one of the app's update checks.
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await byTestId(page, 'update-banner').waitFor({ timeout: 30_000 });
      assert.match(await byTestId(page, 'update-banner').innerText(), /Versi baru Jangkau siap/);
      assert.equal(await page.evaluate(() => window.__stillHere), true, 'no reload without a tap');

      await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), byTestId(page, 'update-reload').click()]);
      await ready(page);
      assert.equal(await page.evaluate(() => window.__stillHere), undefined);
      assert.equal(await page.locator('meta[name="x-build"]').count(), 1, 'the new shell is served');
      const cacheNames = await page.evaluate(() => caches.keys());
      assert.deepEqual(cacheNames, [`jangkau-${next}`], 'the old cache is deleted');
      assert.equal(await byTestId(page, 'update-banner').count(), 0);
      browser.assertNoErrors();
    } finally {
      await browser.close();
      await server.close();
      rmSync(deployment, { recursive: true, force: true });
    }
  });
});
