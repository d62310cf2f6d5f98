// The split build: the first load holds only what the lock screen needs;
// the pages behind it (home, the record list, form filling) load as a wasm
// part while it waits for the PIN, and the other screens as parts of their
// own. The service worker precaches every part with the build, so each
// screen opens offline after one online visit. A part that cannot be
// fetched shows a notice and stops nothing; a new deployment replaces all
// parts together.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, assertReleaseBuild, byTestId, controlled, copyOfBuild, launch, ready, serve, storedRecords } from './harness.mjs';
import { contentSecurityPolicy } from '../../scripts/build-sw.mjs';
import { fill, saved, start } from './filling.mjs';

/** Each screen that lives in a part, and the heading it opens with. */
const LAZY = [
  ['/people', 'Mitra'],
  ['/sites', 'Kebutuhan per lokasi'],
  ['/summary', 'Ringkasan formulir'],
  ['/send', 'Pengiriman ke server'],
  ['/exchange', 'Ekspor dan impor'],
  ['/settings', 'Setelan'],
  ['/forms/import', 'Impor formulir XLSForm'],
];

/** Moves to `path` inside the running app (no reload, so no lock). */
async function go(page, path) {
  await page.evaluate((p) => {
    history.pushState({}, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function heading(page) {
  return (await page.locator('main h1').first().innerText({ timeout: 15_000 })).trim();
}

/** The screens' parts (`split_*`, not the chunks they share) the page fetched, by name. */
async function splitsFetched(page) {
  return (await partsFetched(page)).map((p) => p.split('/').pop()).filter((n) => n.startsWith('split_'));
}

/** The part files the page itself fetched (not the worker's precache). */
function partsFetched(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => /^\/app-[0-9a-f]{16}\/(split|chunk)_\w+\.wasm$/.test(p)),
  );
}

function appFolder(dir) {
  const found = readdirSync(dir).filter((n) => /^app-[0-9a-f]{16}$/.test(n));
  assert.equal(found.length, 1, `one app folder in ${dir}`);
  return found[0];
}

/**
 * A part file taken out of a build (`hide(dir)`, for `withBuild`) and put
 * back (`restore()`). The worker cannot precache an incomplete build, so
 * nothing is cached: the part is simply not there.
 */
function missing(name) {
  let file;
  let away;
  return {
    hide(dir) {
      file = join(dir, appFolder(dir), name);
      away = join(dir, `${name}.away`);
      renameSync(file, away);
      for (const ext of ['.br', '.gz']) rmSync(file + ext, { force: true });
    },
    restore() {
      renameSync(away, file);
    },
  };
}

/**
 * Runs `body({ dir, server, page, browser })` against a copy of the build
 * (changed first by `prepare(dir)`), served and opened in a fresh browser
 * profile; cleans everything up after.
 */
async function withBuild(prepare, body) {
  assertReleaseBuild();
  const dir = copyOfBuild();
  prepare(dir);
  const server = await serve(dir);
  const browser = await launch();
  try {
    await body({ dir, server, page: browser.page, browser });
    browser.assertNoErrors();
  } finally {
    await browser.page.context().setOffline(false);
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the split build', () => {
  test('the lock screen fetches only the pages behind it; after unlocking the other parts load in the background, and every screen opens offline', async () => {
    await withBuild(() => {}, async ({ dir, server, page }) => {
      await page.goto(server.url + '/');
      await ready(page, { unlock: false });
      // Fetched while the lock screen waits, so unlocking shows home at once.
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/split_unlocked.wasm')));
      assert.deepEqual(await splitsFetched(page), ['split_unlocked.wasm'], 'the lock screen fetches no other screen');
      await ready(page);
      await start(page, server.url, 'site-visit');
      await byTestId(page, 'section-visit').waitFor();
      await controlled(page);

      await server.close();
      await page.context().setOffline(true);
      await page.reload();
      await ready(page, { unlock: false });
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/split_unlocked.wasm')));
      assert.deepEqual(await splitsFetched(page), ['split_unlocked.wasm'], 'nor from the cache');
      await ready(page);
      // Compiled in the background a few seconds after the unlock, from the
      // worker's cache (there is no network).
      const names = readdirSync(join(dir, appFolder(dir))).filter((n) => /^split_\w+\.wasm$/.test(n));
      await page.waitForFunction(
        (n) => performance.getEntriesByType('resource').filter((e) => /\/split_\w+\.wasm$/.test(e.name)).length >= n,
        names.length,
        { timeout: 20_000 },
      );
      for (const [path, title] of LAZY) {
        await go(page, path);
        await page.locator('main h1', { hasText: title }).waitFor({ timeout: 15_000 });
      }
      const fetched = await partsFetched(page);
      assert.ok(fetched.some((p) => p.endsWith('/split_settings.wasm')), `settings came from its part: ${fetched}`);
      assert.equal(await byTestId(page, 'part-missing').count(), 0);
    });
  });

  test('a part that cannot be fetched shows the notice, loses nothing, and loads on "Try again"', async () => {
    const part = missing('split_reports.wasm');
    await withBuild(part.hide, async ({ server, page }) => {
      await page.goto(server.url + '/');
      await ready(page);
      await start(page, server.url, 'site-visit');
      await byTestId(page, 'section-visit').waitFor();
      await fill(page, 'site_code', 'KDR-PART');
      await saved(page);
      const before = await storedRecords(page);
      assert.equal(before.length, 1, 'the draft is stored');

      await go(page, '/people');
      await byTestId(page, 'part-missing').waitFor({ timeout: 15_000 });
      assert.match(await byTestId(page, 'part-missing').innerText(), /Layar ini belum bisa dibuka/);
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const width of [320, 360]) {
        await page.setViewportSize({ width, height: 640 });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the notice fits ${width} px (${overflow} px too wide)`);
        await page.screenshot({ path: join(ARTIFACTS, `part-missing-${width}.png`) });
      }
      // axe-core, injected as the CSP allows (evaluated, not a <script> tag).
      await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
      const violations = await page.evaluate(async () =>
        (await window.axe.run(document, { rules: { 'target-size': { enabled: true } } })).violations.map((v) => v.id),
      );
      assert.deepEqual(violations, [], 'axe finds nothing on the notice');
      // The app still runs: other screens work, the record is still there.
      await byTestId(page, 'nav-home').click();
      await byTestId(page, 'kind-site-visit').waitFor();
      assert.deepEqual(await storedRecords(page), before);

      // Still missing on the next visit; then the file is back, and the
      // notice's own button fetches it.
      await go(page, '/people');
      await byTestId(page, 'part-missing').waitFor({ timeout: 15_000 });
      part.restore();
      await byTestId(page, 'part-retry').click();
      assert.equal(await heading(page), 'Mitra');
      assert.equal(await byTestId(page, 'part-missing').count(), 0);
    });
  });

  test('without the part behind the lock, the lock screen still works, unlocking shows the notice, and "Try again" opens home', async () => {
    const part = missing('split_unlocked.wasm');
    await withBuild(part.hide, async ({ page, server }) => {
      await page.goto(server.url + '/');
      assert.equal(await ready(page, { unlock: false }), 'setup-lock', 'the lock screen needs no part');
      await ready(page);
      await byTestId(page, 'part-missing').waitFor({ timeout: 15_000 });
      assert.match(await byTestId(page, 'part-missing').innerText(), /Layar ini belum bisa dibuka/);
      for (const width of [320, 360]) {
        await page.setViewportSize({ width, height: 640 });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the notice fits ${width} px (${overflow} px too wide)`);
      }
      part.restore();
      await byTestId(page, 'part-retry').click();
      await byTestId(page, 'kind-site-visit').waitFor({ timeout: 15_000 });
      assert.equal(await byTestId(page, 'part-missing').count(), 0);
      // The PIN set while the pages were missing opens them after a reload.
      await page.reload();
      await ready(page);
      await byTestId(page, 'kind-site-visit').waitFor({ timeout: 15_000 });
    });
  });

  test('a new deployment replaces every part at once: the new parts, none of the old', async () => {
    await withBuild(() => {}, async ({ dir, server, page }) => {
      await page.goto(server.url + '/');
      await ready(page);
      await controlled(page);
      const old = appFolder(dir);

      // "The next build": its wasm and parts in a new folder, named by the
      // page (whose policy allows its start script by hash) and the worker,
      // and a new worker version.
      const next = 'app-feedc0de' + old.slice(12);
      renameSync(join(dir, old), join(dir, next));
      const indexPath = join(dir, 'index.html');
      let html = readFileSync(indexPath, 'utf8').replaceAll(old, next);
      html = html.replace(/(http-equiv="Content-Security-Policy" content=")[^"]+"/, `$1${contentSecurityPolicy(html)}"`);
      writeFileSync(indexPath, html);
      const swPath = join(dir, 'sw.js');
      const sw = readFileSync(swPath, 'utf8');
      const version = sw.match(/const VERSION = '([0-9a-f]+)'/)[1];
      writeFileSync(swPath, sw.replaceAll(old, next).replace(`'${version}'`, `'feedc0de${version.slice(8)}'`));
      for (const file of [indexPath, swPath]) for (const ext of ['.br', '.gz']) rmSync(file + ext, { force: true });

      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await byTestId(page, 'update-banner').waitFor({ timeout: 30_000 });
      await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), byTestId(page, 'update-reload').click()]);
      await ready(page);
      await controlled(page);
      const cached = await page.evaluate(async () => {
        const names = await caches.keys();
        const urls = [];
        for (const name of names) {
          for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
        }
        return { names, urls };
      });
      assert.equal(cached.names.length, 1, 'one cache: the old one is gone');
      assert.ok(cached.urls.some((u) => u.startsWith(`/${next}/split_`)), 'the new parts are precached');
      assert.ok(!cached.urls.some((u) => u.startsWith(`/${old}/`)), 'no old part is kept');

      await go(page, '/settings');
      await page.locator('main h1', { hasText: 'Setelan' }).waitFor({ timeout: 15_000 });
      const fetched = await partsFetched(page);
      assert.ok(fetched.length > 0 && fetched.every((p) => p.startsWith(`/${next}/`)), `parts from the new build only: ${fetched}`);
    });
  });
});
