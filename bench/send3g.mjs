// Sending on a slow link: N site visits made offline through the page, then
// signal returns on Lighthouse's "Regular 3G" (`mobileRegular3G` in
// Lighthouse's constants.js, applied as Lighthouse applies it to DevTools:
// 1 125 ms request latency, 630 kbit/s = 80 640 B/s each way) and the
// clock runs until home shows nothing waiting. The test receiver
// (tests/receiver/receiver.mjs) on 127.0.0.1 counts every byte both ways
// on its connections: request and status lines, headers, bodies, answers
// and CORS preflights.
//
// Four set-ups, each in a fresh browser profile, batch size 50: plain JSON
// to a server that does not announce gzip, and to one that does; records
// encrypted to a programme key, to each kind. "Test connection" runs once
// while setting up, as a coordinator would; for plain records the browser
// is restarted offline before signal returns, so the run pays for its CORS
// preflight as it would in the field (see measure() for why not with a
// key). With a programme key the service worker may send (Background Sync
// fires when signal returns) while the app waits for it.
//
// Run: node bench/send3g.mjs [records=40] [runs=1]
// JANGKAU_DIST=<dir> measures another build (e.g. an earlier commit's dist/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, ROOT, assertReleaseBuild, byTestId, controlled, launch, ready, serve } from '../tests/e2e/harness.mjs';
import { startReceiver } from '../tests/receiver/receiver.mjs';
import { buildFor, setServer, siteVisit } from '../tests/e2e/sending.mjs';

const RECORDS = Number(process.argv[2] || 40);
const RUNS = Number(process.argv[3] || 1);
const TOKEN = 'bench-3g-token';
const REGULAR_3G = { latency: 1125, downloadThroughput: 80640, uploadThroughput: 80640 };

function keyPair(dir) {
  const made = spawnSync('cargo', ['run', '--quiet', '--release', '--bin', 'jangkau-decrypt', '--', 'keygen', join(dir, 'bench')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(made.stderr);
  return readFileSync(join(dir, 'bench.public.pem'), 'utf8');
}

async function measure({ gzip, publicPem }) {
  const receiver = await startReceiver({ token: TOKEN, gzip });
  const dir = buildFor([receiver.origin]);
  const server = await serve(dir);
  let browser = await launch();
  try {
    let page = browser.page;
    await page.goto(server.url + '/');
    await ready(page);
    await controlled(page);
    if (!/Tersimpan|Saved/.test(await setServer(page, { url: receiver.url, token: TOKEN, batch: '50' }))) {
      throw new Error('the server settings were not saved');
    }
    if (publicPem) {
      await page.fill('#programme-key-text', publicPem);
      await byTestId(page, 'programme-key-save').click();
      await byTestId(page, 'programme-key-remove').waitFor();
    }
    await page.fill('[data-testid=endpoint-token]', TOKEN);
    await byTestId(page, 'endpoint-test').click();
    await page.waitForFunction(() => /Terhubung/.test(document.querySelector('[data-testid=endpoint-message]')?.textContent ?? ''));

    await browser.context.setOffline(true);
    for (let i = 0; i < RECORDS; i++) await siteVisit(page, `B3G-${String(i).padStart(3, '0')}`);
    // Plain records: the app is opened again later, still offline, so the
    // browser has forgotten the preflight it kept, as it would have by the
    // time signal returns. Not with a programme key: a restarted browser
    // fires the worker's Background Sync at once, and DevTools' offline
    // setting does not reach the worker, so it would send unthrottled.
    if (!publicPem) {
      await browser.close({ keepProfile: true });
      browser = await launch({ profile: browser.profile });
      await browser.context.setOffline(true);
      page = browser.page;
      await page.goto(server.url + '/');
      await ready(page);
    }
    await byTestId(page, 'nav-home').click();
    await page
      .waitForFunction((n) => document.querySelector('[data-testid=status-waiting]')?.textContent.trim() === String(n), RECORDS)
      .catch(async (e) => {
        throw new Error(`home shows ${await page.locator('[data-testid=status-waiting]').textContent().catch(() => 'nothing')} waiting: ${e.message}`);
      });
    // 3G is set while still offline, then signal returns (DevTools keeps
    // both sessions' settings: Playwright's offline flag, this one's link).
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...REGULAR_3G });
    receiver.reset();
    const t0 = Date.now();
    await browser.context.setOffline(false); // the app sends by itself
    await page.waitForFunction(() => document.querySelector('[data-testid=status-waiting]')?.textContent.trim() === '0', null, {
      timeout: 600_000,
      polling: 20,
    });
    const seconds = (Date.now() - t0) / 1000;
    const state = receiver.state();
    if (state.stored.length !== RECORDS) throw new Error(`${state.stored.length} of ${RECORDS} records arrived`);
    return {
      seconds,
      perSecond: RECORDS / seconds,
      wirePerRecord: receiver.wire() / RECORDS,
      bodyPerRecord: state.bodyBytes / RECORDS,
      requests: state.batches.length,
      preflights: state.preflights,
      encodings: [...new Set(state.encodings)].join(' '),
      batches: state.batches.join(' '),
    };
  } finally {
    await browser.close();
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

assertReleaseBuild();
const work = mkdtempSync(join(tmpdir(), 'jangkau-bench-3g-'));
const publicPem = keyPair(work);
const setups = [
  ['plain JSON, server without gzip', { gzip: false }],
  ['plain JSON, server announces gzip', { gzip: true }],
  ['programme key, server without gzip', { gzip: false, publicPem }],
  ['programme key, server announces gzip', { gzip: true, publicPem }],
];
console.log(`build: ${DIST}; ${RECORDS} site visits, batch 50, Regular 3G (1125 ms, 80 640 B/s), ${RUNS} run(s) each`);
console.log('| set-up | going online → all sent | records/s | bytes on the wire per record | of which bodies | batch requests | preflights | bodies sent as |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
try {
  // ONLY=2,4 measures only those set-ups (1-based).
  const only = process.env.ONLY ? process.env.ONLY.split(',').map(Number) : null;
  for (const [i, [name, setup]] of setups.entries()) {
    if (only && !only.includes(i + 1)) continue;
    for (let run = 0; run < RUNS; run++) {
      const r = await measure(setup);
      console.log(
        `| ${name} | ${r.seconds.toFixed(2)} s | ${r.perSecond.toFixed(1)} | ${Math.round(r.wirePerRecord)} | ${Math.round(r.bodyPerRecord)} | ${r.requests} | ${r.preflights} | ${r.encodings} |`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
