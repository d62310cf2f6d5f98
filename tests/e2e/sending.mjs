// Helpers for the sending suites and benchmarks: a build allowed to reach
// a receiver, a site visit made through the page, server settings, the send
// page, and the service worker's relay and Background Sync event.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, byTestId, copyOfBuild, until } from './harness.mjs';

/**
 * A copy of the build whose policy lets it reach `origins` — what a
 * programme gets by building with JANGKAU_CONNECT_SRC — and, if given, a
 * deployment config.json.
 */
export function buildFor(origins, config) {
  const dir = copyOfBuild();
  for (const name of ['index.html', '404.html']) {
    const path = join(dir, name);
    const html = readFileSync(path, 'utf8');
    if (!html.includes("connect-src 'self';")) throw new Error(`${name}: no connect-src to extend`);
    writeFileSync(path, html.replace("connect-src 'self';", `connect-src 'self' ${origins.join(' ')};`));
  }
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/**
 * A site visit with only its required answers (and `team`, if given, typed
 * into the team question), made through the UI (no reload).
 */
export async function siteVisit(page, site, { team } = {}) {
  await byTestId(page, 'nav-home').click();
  await byTestId(page, 'kind-site-visit').click();
  await byTestId(page, 'start-record').click();
  await byTestId(page, 'section-visit').waitFor();
  await page.fill('#q-site_code', site);
  await page.fill('#q-visit_date', '2026-11-20');
  if (team) await page.fill('#q-team', team);
  await byTestId(page, 'form-next').click();
  await byTestId(page, 'section-situation').waitFor();
  await byTestId(page, 'question-site_active').locator('label.option').filter({ hasText: 'Sebagian' }).click();
  for (const next of ['houses', 'health', 'needs', 'actions']) {
    await byTestId(page, 'form-next').click();
    await byTestId(page, `section-${next}`).waitFor();
  }
  await byTestId(page, 'form-finish').click();
  await page.waitForURL(/\/records\?saved=/);
}

export async function setServer(page, { url, kind = 'jangkau_batch', token = '', user = '', password = '', batch = '' }) {
  await byTestId(page, 'nav-settings').click();
  await byTestId(page, 'server-settings').waitFor();
  await byTestId(page, `endpoint-kind-${kind}`).click();
  await page.fill('[data-testid=endpoint-url]', url);
  if (token) await page.fill('[data-testid=endpoint-token]', token);
  if (user) await page.fill('[data-testid=endpoint-user]', user);
  if (password) await page.fill('[data-testid=endpoint-password]', password);
  if (batch) await page.fill('[data-testid=endpoint-batch-size]', batch);
  await byTestId(page, 'endpoint-save').click();
  return (await byTestId(page, 'endpoint-message').innerText());
}

export async function openSend(page) {
  await byTestId(page, 'nav-send').click();
  await byTestId(page, 'send-title').waitFor();
}

export async function syncState(page, state, timeout = 30_000) {
  await page.waitForSelector(`[data-testid=sync-state][data-state="${state}"]`, { timeout });
}


/**
 * Closes the app's page, brings signal back and fires the Background Sync
 * event the browser would, with the app closed.
 */
export async function closeAndWakeWorker(browser, page, origin) {
  const blank = await browser.context.newPage();
  await page.close();
  await browser.context.setOffline(false);
  const cdp = await browser.context.newCDPSession(blank);
  const registrations = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  await until(() => registrations.some((r) => r.scopeURL.startsWith(origin)), 'the worker registration');
  const { registrationId } = registrations.find((r) => r.scopeURL.startsWith(origin));
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId, tag: 'jangkau-send', lastChance: false });
}

/**
 * The `relay` meta entry the service worker reads ('' or absent when none),
 * of the database `db` (the phone's first profile's unless told).
 */
export const relayOf = (page, db = 'jangkau') =>
  page.evaluate(
    (db) =>
      new Promise((ok, fail) => {
        const open = indexedDB.open(db);
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('relay');
          get.onsuccess = () => {
            open.result.close();
            ok(get.result ? get.result.value : null);
          };
          get.onerror = () => fail(get.error);
        };
      }),
    db,
  );

/** Runs `jangkau-decrypt` (keygen, or --key … FILE) from this repository. */
export function decryptor(...args) {
  return spawnSync('cargo', ['run', '--quiet', '--bin', 'jangkau-decrypt', '--', ...args], { cwd: ROOT, encoding: 'utf8' });
}
