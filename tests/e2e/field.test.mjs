// The field visit, tap by tap, at 320 and 360 px and at 130 % text size: no
// text squeezed narrower than its longest word, navigation on one line,
// the confirmation after Finish, a follow-up from her page carrying her
// code, dates starting as today in Jakarta, the taps a minimal record
// takes, and axe-core finding nothing on any screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, DIST, ROOT, assertReleaseBuild, byTestId, launch, ready, serve, until } from './harness.mjs';
import { q, section } from './filling.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** Elements past the screen's edge, and elements whose own text is laid out narrower than their longest word. */
function squeezed(page) {
  return page.evaluate(() => {
    const canvas = document.createElement('canvas').getContext('2d');
    const out = [];
    for (const el of document.querySelectorAll('main *, nav *, header *')) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && (box.right > window.innerWidth + 1 || box.left < -1)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className} past the screen's edge: ${Math.round(box.left)}–${Math.round(box.right)}`);
        continue;
      }
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(' ').trim();
      if (!own || el.offsetParent === null) continue;
      const style = getComputedStyle(el);
      canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const longest = Math.max(...own.split(/\s+/).map((w) => canvas.measureText(w).width));
      const width = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      // Inline elements report no width of their own; their block does.
      if (style.display.startsWith('inline') && style.display !== 'inline-block' && style.display !== 'inline-flex') continue;
      // Words longer than the screen (a pasted address) may break; only
      // columns narrower than a word that would fit are a layout fault.
      if (longest < window.innerWidth - 40 && width + 1 < longest) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} "${own.slice(0, 30)}" ${Math.round(width)} < ${Math.round(longest)}`);
      }
    }
    return out;
  });
}

/** Problems found on the screens checked so far, asserted at each test's end so one run lists them all. */
const found = [];

/** Checks one screen at both widths (and 130 % text): nothing squeezed, nothing wider than the screen, labels on one line, and axe. */
async function checkScreen(page, name) {
  for (const width of [320, 360]) {
    for (const scale of [1, 1.3]) {
      await page.setViewportSize({ width, height: 640 });
      await page.evaluate((s) => {
        document.documentElement.style.fontSize = `${16 * s}px`;
      }, scale);
      const where = `${name} at ${width} px, text ×${scale}`;
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `field-${name}-${width}${scale === 1 ? '' : '-large'}.png`), fullPage: true });
      for (const s of await squeezed(page)) found.push(`${where}: ${s}`);
      if (!(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth))) {
        found.push(`${where}: sideways scrolling`);
      }
      const labels = await page.evaluate(() =>
        [...document.querySelectorAll('.bottom-nav a, .topbar button')].map((a) => {
          // Lines of its text (an icon beside it is not a line).
          const tops = [];
          const walk = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) {
            const r = document.createRange();
            r.selectNodeContents(walk.currentNode);
            for (const x of r.getClientRects()) if (x.width > 0) tops.push(x.top);
          }
          const lines = new Set(tops.map((top) => Math.round(top / 4)));
          return { text: a.textContent.trim(), lines: lines.size, clipped: a.scrollWidth > a.clientWidth + 1 };
        }),
      );
      for (const l of labels) {
        if (l.lines > 1 || l.clipped) found.push(`${where}: "${l.text}" wraps or is clipped`);
      }
    }
  }
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '';
  });
  await page.setViewportSize({ width: 360, height: 640 });
  // axe-core, injected as the CSP allows (evaluated, not a <script> tag).
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { rules: { 'target-size': { enabled: true } } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  for (const v of violations) found.push(`${name}: axe: ${v}`);
}

describe('the field visit', () => {
  let server;
  let browser;
  let page;
  let taps = 0;
  const tap = async (locator) => {
    taps += 1;
    await locator.click();
  };

  before(async () => {
    assertReleaseBuild();
    server = await serve(DIST);
    browser = await launch({ timezoneId: 'Asia/Jakarta' });
    page = browser.page;
    await page.clock.install({ time: new Date('2026-11-24T06:30:00+07:00') });
    await page.goto(server.url + '/');
    await ready(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a minimal site visit: today already filled in, Finish as soon as the required answers are in, then a confirmation', async (t) => {
    taps = 0;
    await tap(byTestId(page, 'kind-site-visit'));
    await checkScreen(page, 'start');
    await tap(byTestId(page, 'start-record'));
    await section(page, 'visit');
    // 06:30 in Jakarta is still the 23rd in UTC: today is the 24th.
    assert.equal(await page.inputValue('#q-visit_date'), '2026-11-24');
    await tap(page.locator('#q-site_code'));
    await page.keyboard.type('KDR-CERME');
    await tap(byTestId(page, 'form-next'));
    await section(page, 'situation');
    await tap(q(page, 'site_active').locator('label.option').first());
    await byTestId(page, 'answers-left').and(page.locator('[data-left="0"]')).waitFor();
    await checkScreen(page, 'form');
    await tap(byTestId(page, 'form-finish'));
    await page.waitForURL(/\/records\?saved=/);
    await byTestId(page, 'saved-notice').waitFor();
    assert.match(await byTestId(page, 'saved-notice').innerText(), /disimpan di ponsel ini/);
    const row = page.locator('[data-testid=record-row].fresh');
    assert.match(await row.innerText(), /KDR-CERME · 2026-11-24/);
    t.diagnostic(`minimal site visit: ${taps} taps and 9 characters (12 taps and 9 characters before)`);
    await checkScreen(page, 'records');
    assert.deepEqual(found.splice(0), [], 'screens that do not fit or that axe faults');
    browser.assertNoErrors();
  });

  /** A minimal needs assessment (only the required answers), counted tap by tap; returns her code. */
  async function minimalAssessment({ name, site }) {
    await byTestId(page, 'nav-home').click();
    taps = 0;
    await tap(byTestId(page, 'kind-needs-assessment'));
    await tap(byTestId(page, 'start-record'));
    await byTestId(page, 'consent').waitFor();
    assert.ok(await byTestId(page, 'consent-agree').isDisabled(), '"Agree" before any tick');
    if (name) {
      await checkScreen(page, 'consent');
      await tap(byTestId(page, 'consent-assessment'));
      await tap(byTestId(page, 'consent-asked-by'));
      await page.keyboard.type(name);
    } else {
      // The volunteer's name from the last consent is offered again.
      await until(async () => (await page.inputValue('#consent-asked-by')) === 'R', 'name offered again');
      await tap(byTestId(page, 'consent-assessment'));
    }
    await tap(byTestId(page, 'consent-agree'));
    await section(page, 'participant');
    const code = await page.inputValue('#q-participant_code');
    if (site) {
      await tap(page.locator('#q-site_code'));
      await page.keyboard.type(site);
    }
    await tap(q(page, 'age_band').locator('label.option').nth(2));
    await tap(byTestId(page, 'form-next'));
    for (const id of ['has_ktp', 'has_bpjs', 'has_savings_book']) await tap(q(page, id).locator('label.option').first());
    await tap(byTestId(page, 'form-next'));
    await tap(q(page, 'work_status').locator('label.option').nth(1));
    await tap(byTestId(page, 'form-next'));
    await tap(q(page, 'wants_change').locator('label.option').first());
    await tap(byTestId(page, 'form-next'));
    assert.equal(await byTestId(page, 'skip-optional').count(), 0, 'skip offered with a required answer next');
    for (const a of ['psychological', 'social', 'emotional', 'financial', 'spiritual']) {
      await tap(q(page, `wb_${a}`).locator('label.scale-point').nth(2));
    }
    assert.match(await byTestId(page, 'answers-left').innerText(), /Jawaban wajib yang belum diisi: 1/);
    if (name) await checkScreen(page, 'wellbeing');
    // Only optional sections stand before the last required answer: one tap passes them.
    await tap(byTestId(page, 'skip-optional'));
    await section(page, 'companion');
    await tap(q(page, 'risk_of_returning').locator('label.option').first());
    await tap(byTestId(page, 'form-finish'));
    await page.waitForURL(/\/records\?saved=/);
    return code;
  }

  test('a minimal needs assessment, then her page, and a follow-up from it that carries her code', async (t) => {
    await minimalAssessment({ name: 'R' });
    t.diagnostic(`minimal needs assessment, first on this phone: ${taps} taps and 1 character (24 taps and the name before)`);
    const code = await minimalAssessment({ site: 'KDR-CERME' });
    t.diagnostic(`the next one, name offered again: ${taps - 1} taps and no characters, or ${taps} and 9 characters with the site code`);

    // Her page, and a follow-up from it.
    await page.goto(server.url + '/people');
    await ready(page);
    await byTestId(page, 'person-row').filter({ hasText: code }).locator('a').first().click();
    await byTestId(page, 'person-code').waitFor();
    await checkScreen(page, 'person');
    assert.equal((await byTestId(page, 'withdraw-consent').count()), 1, 'withdrawal is on her page');
    await byTestId(page, 'person-follow-up').click();
    await byTestId(page, 'follow-up-for').waitFor();
    assert.match(await byTestId(page, 'follow-up-for').innerText(), new RegExp(code));
    await byTestId(page, 'start-record').click();
    await section(page, 'contact');
    assert.equal(await page.inputValue('#q-participant_code'), code, 'her code was not carried over');
    assert.equal(await page.inputValue('#q-site_code'), 'KDR-CERME');
    assert.equal(await page.inputValue('#q-visit_date'), '2026-11-24');
    assert.equal(await byTestId(page, 'withdraw-consent').count(), 0, 'withdrawal on the form page');
    assert.doesNotMatch(await q(page, 'participant_code').innerText(), /dibuat di ponsel ini/);
    assert.deepEqual(found.splice(0), [], 'screens that do not fit or that axe faults');
    browser.assertNoErrors();
  });

  test('the other screens fit and pass axe at 320 and 360 px', async () => {
    for (const [path, ready_, name] of [
      ['/', 'nav-home', 'home'],
      ['/people', 'people-search', 'people'],
      ['/sites', 'site-choice', 'sites'],
      ['/summary', 'summary-form', 'summary'],
      ['/send', 'send-title', 'send'],
      ['/settings', 'settings-title', 'settings'],
      ['/exchange', 'export-site', 'exchange'],
      ['/forms/import', 'xls-title', 'form-import'],
    ]) {
      await page.goto(server.url + path);
      await ready(page);
      await byTestId(page, ready_).waitFor();
      await checkScreen(page, name);
    }
    // The neutral page after a quick exit shows no app control.
    await byTestId(page, 'quick-exit').click();
    await byTestId(page, 'neutral').waitFor();
    assert.equal(await byTestId(page, 'lang-switch').count(), 0);
    assert.deepEqual(found.splice(0), [], 'screens that do not fit or that axe faults');
    browser.assertNoErrors();
  });
});
