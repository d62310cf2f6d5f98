// Time to open a screen that lives in a wasm part, from the service-worker
// cache (offline) under 4× CPU throttling, in Debian's Chromium; against a
// screen in the first load (the record list) and the same screen opened a
// second time (its part already loaded).
//
// Each run reloads the page (so no part is loaded yet) and unlocks; then each
// screen is opened once in the page, timed in the page from the route change
// to the frame its heading is in. Run: node bench/lazy.mjs [runs=5]
// (PRELOAD=1 waits for the background loading of the parts first).
import { assertReleaseBuild, controlled, launch, ready, serve } from '../tests/e2e/harness.mjs';

const RUNS = Number(process.argv[2] || 5);
const SCREENS = [
  ['/records', 'Catatan di ponsel ini', 'in the first load'],
  ['/people', 'Mitra', 'part: reports'],
  ['/settings', 'Setelan', 'part: settings'],
  ['/send', 'Pengiriman ke server', 'part: send'],
  ['/exchange', 'Ekspor dan impor', 'part: exchange'],
  ['/sites', 'Kebutuhan per lokasi', 'part: reports, already loaded'],
  ['/people', 'Mitra', 'part: reports, opened before'],
];

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { min: s[0], median: q(0.5), max: s[s.length - 1] };
}

function open(page, path, title) {
  return page.evaluate(
    ([path, title]) =>
      new Promise((done) => {
        const t0 = performance.now();
        history.pushState({}, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
        const check = () => {
          const h = document.querySelector('main h1');
          if (h && h.textContent.includes(title)) done(performance.now() - t0);
          else requestAnimationFrame(check);
        };
        check();
      }),
    [path, title],
  );
}

assertReleaseBuild();
const server = await serve();
const browser = await launch();
const { page, context } = browser;
const cdp = await context.newCDPSession(page);
const times = SCREENS.map(() => []);
try {
  await page.goto(server.url + '/');
  await ready(page);
  await controlled(page);
  await context.setOffline(true);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  for (let run = 0; run <= RUNS; run++) {
    await page.reload();
    await ready(page);
    // PRELOAD=1: wait until the app has loaded the parts in the background
    // after the unlock (src/ui/app.rs), as a person who looks at home for a
    // few seconds would; otherwise open each screen at once.
    if (process.env.PRELOAD) {
      await page.waitForFunction(() => performance.getEntriesByType('resource').filter((e) => /\/split_\w+\.wasm$/.test(e.name)).length >= 5, null, { timeout: 60_000 });
    }
    for (const [i, [path, title]] of SCREENS.entries()) {
      const ms = await open(page, path, title);
      if (run > 0) times[i].push(ms); // run 0 warms the compiled-code cache
      await page.evaluate(() => {
        history.pushState({}, '', '/');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      await page.locator('[data-testid="kind-site-visit"]').waitFor();
    }
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`| screen | where | min ms | median ms | max ms |`);
console.log('|---|---|---:|---:|---:|');
for (const [i, [path, , where]] of SCREENS.entries()) {
  const s = stats(times[i]);
  console.log(`| ${path} | ${where} | ${s.min.toFixed(0)} | ${s.median.toFixed(0)} | ${s.max.toFixed(0)} |`);
}
