// Shared set-up for end-to-end tests and benchmarks: serve a build on
// 127.0.0.1 and drive Debian's Chromium through playwright-core.
import { chromium } from 'playwright-core';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../scripts/static-server.mjs';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export const ROOT = resolve(HERE, '..', '..');
// JANGKAU_DIST: another build to test or measure (a benchmark's "before").
export const DIST = process.env.JANGKAU_DIST ? resolve(process.env.JANGKAU_DIST) : join(ROOT, 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Fails early, with a clear message, when there is no finished release build. */
export function assertReleaseBuild(dir = DIST) {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) throw new Error(`${dir} has no build: run \`trunk build --release\` first`);
  if (readFileSync(index, 'utf8').includes('__trunk_address__')) {
    throw new Error(`${dir} was built by \`trunk serve\` (autoreload injected): rebuild with \`trunk build --release\``);
  }
  if (readFileSync(join(dir, 'sw.js'), 'utf8').includes('__JANGKAU_')) {
    throw new Error(`${dir}/sw.js still has placeholders: the post_build hook did not run`);
  }
}

/** A copy of the build in a temporary folder, for tests that redeploy it. */
export function copyOfBuild() {
  const dir = mkdtempSync(join(tmpdir(), 'jangkau-dist-'));
  cpSync(DIST, dir, { recursive: true });
  return dir;
}

/**
 * Serves `dir` on 127.0.0.1 (a given port, or a free one). `onAnswer(path,
 * bytes, status)` hears every answer (see scripts/static-server.mjs).
 */
export async function serve(dir = DIST, port = 0, { onAnswer } = {}) {
  const server = await startServer({ dir, host: '127.0.0.1', port, onAnswer });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    port: server.address().port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * A persistent Chromium profile (installability is only reported outside
 * incognito) at 360×640, with an English browser locale on purpose: the app
 * must still start in Bahasa Indonesia.
 */
export async function launch({ viewport = { width: 360, height: 640 }, profile: reuse, timezoneId, ignoreDefaultArgs } = {}) {
  const profile = reuse ?? mkdtempSync(join(tmpdir(), 'jangkau-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    ...(timezoneId ? { timezoneId } : {}),
    ...(ignoreDefaultArgs ? { ignoreDefaultArgs } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Any uncaught error or panic in the page fails the test that caused it:
  // with panic = "abort" a panic kills the whole app.
  const errors = [];
  const consoleLines = [];
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => {
      consoleLines.push(m.text());
      if (m.type() === 'error' && /Jangkau stopped unexpectedly/.test(m.text())) errors.push(m.text());
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    page,
    errors,
    /** Throws if any console output contains one of `secrets` (typed answers must never be logged). */
    assertConsoleNeverShows(secrets) {
      const leaks = consoleLines.filter((line) => secrets.some((s) => line.includes(s)));
      if (leaks.length) throw new Error(`answers reached the console: ${leaks.join(' | ')}`);
    },
    /** Throws if the page reported an uncaught error or a panic. */
    assertNoErrors() {
      if (errors.length) throw new Error(`the page reported errors: ${errors.join(' | ')}`);
    },
    profile,
    close: async ({ keepProfile = false } = {}) => {
      await context.close();
      if (!keepProfile) rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The PIN end-to-end tests set on each fresh profile. */
export const TEST_PIN = '482915';

const FIRST_SCREENS = ['setup-lock', 'unlock', 'choose-profile', 'nav-home', 'neutral', 'storage-problem', 'key-damaged', 'needs-https']
  .map((id) => `[data-testid="${id}"]`)
  .join(', ');

/**
 * Waits until the app has rendered its first screen, then (unless told not
 * to) gets past the lock: sets TEST_PIN on a fresh profile, or unlocks with
 * it. Returns which screen came first.
 */
export async function ready(page, { unlock = true } = {}) {
  await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 });
  const first = await (await page.waitForSelector(FIRST_SCREENS, { timeout: 30_000 })).getAttribute('data-testid');
  if (!unlock) return first;
  if (first === 'setup-lock') {
    await page.fill('[data-testid="new-secret"]', TEST_PIN);
    await page.fill('[data-testid="repeat-secret"]', TEST_PIN);
    await page.click('[data-testid="setup-submit"]');
  } else if (first === 'unlock') {
    await unlockWith(page, TEST_PIN);
  } else {
    return first;
  }
  await page.waitForSelector('[data-testid="nav-home"]', { timeout: 30_000 });
  return first;
}

/** Types a PIN on the lock screen and submits it. */
export async function unlockWith(page, pin) {
  await page.fill('[data-testid="unlock-secret"]', pin);
  await page.click('[data-testid="unlock-submit"]');
}

/** Waits until a service worker controls the page. */
export async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/**
 * The clear fields of every record in the app's IndexedDB (id, form_id,
 * status, site, marked_for_deletion), read straight from the store.
 */
export function storedRecords(page) {
  return page.evaluate(
    () =>
      new Promise((ok, fail) => {
        const open = indexedDB.open('jangkau');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('records').objectStore('records').getAll();
          all.onsuccess = () => {
            db.close();
            ok(all.result.map(({ id, form_id, status, site, marked_for_deletion }) => ({ id, form_id, status, site, marked_for_deletion })));
          };
          all.onerror = () => fail(all.error);
        };
      }),
  );
}

/** Every string and byte array in the app's IndexedDB, decoded as text. */
export function rawStore(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('jangkau');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['records', 'meta'], 'readonly');
          const out = [];
          const walk = (v) => {
            if (typeof v === 'string') out.push(v);
            else if (v instanceof Uint8Array || v instanceof ArrayBuffer) out.push(new TextDecoder().decode(v));
            else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { out.push(k); walk(x); });
          };
          let pending = 2;
          for (const name of ['records', 'meta']) {
            const req = tx.objectStore(name).getAll();
            req.onsuccess = () => {
              req.result.forEach(walk);
              if (--pending === 0) { db.close(); resolve(out.join('\n')); }
            };
          }
        };
      }),
  );
}

/** Polls `check` (sync or async) every 100 ms until it is truthy; throws after `timeout` ms naming `what`. */
export async function until(check, what, timeout = 30_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/**
 * The "new record" address of a form: its id hashed as the app does
 * (FNV-1a, 64 bits, hex; src/model/registry.rs `route_key`). `form` may be
 * written with dashes, as the built-in forms' old addresses were.
 */
export function newPath(form) {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(form.replace(/-/g, '_'))) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `/new/${hash.toString(16).padStart(16, '0')}`;
}
