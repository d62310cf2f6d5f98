// End-to-end: a first visit on the README's server downloads each file
// once (the service worker takes the page's own downloads from the HTTP
// cache instead of fetching them again), compressed with brotli.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, assertReleaseBuild, controlled, launch, ready, serve } from './harness.mjs';

describe('a first visit', () => {
  let server;
  let browser;
  const answers = [];

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST, 0, { onAnswer: (path, bytes, status) => answers.push({ path, bytes, status }) });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('downloads each file once, brotli-compressed, and the service worker still precaches them all', async () => {
    const page = browser.page;
    await page.goto(server.url + '/');
    await ready(page, { unlock: false });
    await controlled(page);
    // Installed and activated: every file is in its cache.
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('jangkau-')));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const path of ['/index.html', '/manifest.webmanifest']) assert.ok(cached.includes(path), `${path} precached`);

    const byPath = new Map();
    for (const a of answers) {
      const seen = byPath.get(a.path) ?? { times: 0, bytes: 0 };
      byPath.set(a.path, { times: seen.times + 1, bytes: seen.bytes + a.bytes });
    }
    // Files named by their content: the CSS, and the folder holding the
    // glue, the main wasm and every screen part (precached too).
    const hashed = [...byPath.keys()].filter((p) => /-[0-9a-f]{12,}\.css$|^\/app-[0-9a-f]{16}\//.test(p));
    const wasm = hashed.find((p) => /^\/app-[0-9a-f]{16}\/jangkau_bg\.wasm$/.test(p));
    assert.ok(wasm, `the main wasm part is among ${hashed.join(', ')}`);
    assert.ok(hashed.some((p) => p.endsWith('.css')), 'the CSS');
    assert.ok(hashed.some((p) => /\/split_\w+\.wasm$/.test(p)), 'the screen parts');
    for (const path of hashed) {
      assert.ok(cached.includes(path), `${path} precached`);
      assert.equal(byPath.get(path).times, 1, `${path} downloaded ${byPath.get(path).times} times`);
    }
    // Sent compressed: the wasm's bytes on the wire are its brotli copy.
    assert.equal(byPath.get(wasm).bytes, statSync(join(DIST, wasm + '.br')).size);
    // The whole visit against each file's size once.
    const total = [...byPath.values()].reduce((n, v) => n + v.bytes, 0);
    const unique = [...byPath.entries()].reduce((n, [, v]) => n + v.bytes / v.times, 0);
    const ratio = total / unique;
    console.log(`first visit: ${total} bytes for ${unique} unique (${ratio.toFixed(2)}×)`);
    assert.ok(ratio <= 1.1, `first visit transferred ${ratio.toFixed(2)}× the unique bytes`);
    browser.assertNoErrors();
  });
});
