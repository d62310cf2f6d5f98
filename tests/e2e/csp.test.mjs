// The built app runs under its Content-Security-Policy: no violation while
// it is used, and the policy really refuses inline script, eval and
// connections to other origins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertReleaseBuild, byTestId, copyOfBuild, launch, ready, serve, newPath } from './harness.mjs';

// A same-origin script, allowed by the policy, that tries eval: code run by
// DevTools (page.evaluate) is exempt from the policy, so the probe must be
// the page's own.
const PROBE = `try { window.__probeEval = eval('1 + 1') === 2; } catch (e) { window.__probeEval = e.name; }`;

describe('content security policy', () => {
  let server;
  let browser;
  let page;
  let dir;

  before(async () => {
    assertReleaseBuild();
    dir = copyOfBuild();
    writeFileSync(join(dir, 'probe.js'), PROBE);
    server = await serve(dir);
    browser = await launch();
    page = browser.page;
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
      );
    });
  });

  after(async () => {
    try {
      browser?.assertNoErrors();
    } finally {
      await browser?.close();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the policy is strict: no unsafe-inline, no unsafe-eval, connections to the app only', async () => {
    await page.goto(server.url + '/');
    await ready(page, { unlock: false });
    const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.ok(policy, 'the page has a policy');
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-eval'|\*/);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self' 'sha256-[^']+' 'wasm-unsafe-eval'/);
    assert.match(policy, /connect-src 'self';/);
  });

  test('the app starts, unlocks and fills a form with no violation', async () => {
    await ready(page);
    await page.goto(server.url + newPath('site-visit'));
    await ready(page);
    await byTestId(page, 'start-record').click();
    await byTestId(page, 'section-visit').waitFor();
    await page.fill('#q-site_code', 'KDR-CSP');
    await byTestId(page, 'progress').waitFor();
    const width = await page.$eval('.progress-fill', (e) => e.style.width);
    assert.match(width, /^\d+%$/, 'the progress bar is drawn (through the CSSOM)');
    await byTestId(page, 'nav-settings').click();
    await byTestId(page, 'settings-title').waitFor();
    // Settings is a part of the split build: its loader (a module script)
    // fetched and compiled it under the same policy.
    const parts = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => /^\/app-[0-9a-f]{16}\/split_settings\.wasm$/.test(p)),
    );
    assert.equal(parts.length, 1, 'the Settings part was loaded');
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
  });

  test('inline script, eval and other origins are refused', async () => {
    const result = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.append(s);
      const probe = document.createElement('script');
      probe.src = '/probe.js';
      const loaded = new Promise((r) => { probe.onload = r; probe.onerror = r; });
      document.body.append(probe);
      await loaded;
      let fetched = false;
      try { await fetch('https://example.org/exfiltrate'); fetched = true; } catch { fetched = false; }
      // Violation reports arrive as events after the fact: wait for both.
      const seen = (d) => window.__violations.some((v) => v.startsWith(d));
      for (let i = 0; i < 100 && !(seen('script-src-elem') && seen('connect-src')); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return { inline: window.__inlineRan === true, evalRan: window.__probeEval, fetched, violations: window.__violations };
    });
    assert.equal(result.inline, false, 'an injected inline script ran');
    assert.equal(result.evalRan, 'EvalError', 'eval was not refused (or the probe did not run)');
    assert.equal(result.fetched, false, 'a request left for another origin');
    const directives = result.violations.map((v) => v.split(' ')[0]);
    assert.ok(directives.includes('script-src-elem'), result.violations.join(' | '));
    assert.ok(directives.includes('connect-src'), result.violations.join(' | '));
  });
});
