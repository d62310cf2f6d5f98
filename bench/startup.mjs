// Time until the lock screen is usable, started from the service-worker
// cache (offline) under 4× CPU throttling, in Debian's Chromium; then the
// time from tapping "unlock" to home's form buttons on screen.
//
// "Usable" is the app's own `jangkau-ready` performance mark, set right
// after the first render reached the DOM; times are from navigation start.
// Each sample is a full reload. Unlocking is timed in the page, from the
// tap to the first DOM change that shows home's buttons, once right after
// the lock screen appears (the pages' part may still be loading) and once
// after 1.5 s, the time a person takes to type a PIN.
// Run: node bench/startup.mjs [runs=15]
import { TEST_PIN, assertReleaseBuild, controlled, launch, ready, serve } from '../tests/e2e/harness.mjs';

const RUNS = Number(process.argv[2] || 15);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { min: s[0], median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
}

async function sample(page) {
  await page.reload();
  await ready(page);
  return page.evaluate(() => performance.getEntriesByName('jangkau-ready')[0].startTime);
}

/** Reloads, waits `typing` ms on the lock screen, and times the unlock to home. */
async function unlockSample(page, typing) {
  await page.reload();
  await ready(page, { unlock: false });
  await page.waitForTimeout(typing);
  await page.fill('[data-testid="unlock-secret"]', TEST_PIN);
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const home = () => document.querySelector('[data-testid="kind-site-visit"]');
        const t0 = performance.now();
        const seen = new MutationObserver(() => {
          if (home()) {
            seen.disconnect();
            resolve(performance.now() - t0);
          }
        });
        seen.observe(document.body, { childList: true, subtree: true });
        document.querySelector('[data-testid="unlock-submit"]').click();
      }),
  );
}

assertReleaseBuild();
const server = await serve();
const browser = await launch();
const { page, context } = browser;
const cdp = await context.newCDPSession(page);
const results = {};
try {
  // Cold first visit (network, no cache), throttled, for reference.
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(server.url + '/');
  await ready(page);
  results['first visit, 4× CPU, loopback network'] = stats([
    await page.evaluate(() => performance.getEntriesByName('jangkau-ready')[0].startTime),
  ]);
  await controlled(page);

  await context.setOffline(true);
  for (const rate of [1, 4]) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    await sample(page); // warm-up: compiled-code cache
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await sample(page));
    results[`from SW cache, offline, ${rate}× CPU (${RUNS} runs)`] = stats(xs);
  }
  // 4× CPU still.
  for (const typing of [0, 1500]) {
    await unlockSample(page, typing); // warm-up
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await unlockSample(page, typing));
    results[`unlock → home, 4× CPU, tapped ${typing} ms after the lock screen (${RUNS} runs)`] = stats(xs);
  }
} finally {
  await browser.close();
  await server.close();
}

console.log('| start | min ms | median ms | p90 ms | max ms |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, s] of Object.entries(results)) {
  const f = (x) => x.toFixed(0);
  console.log(`| ${name} | ${f(s.min)} | ${f(s.median)} | ${f(s.p90)} | ${f(s.max)} |`);
}
