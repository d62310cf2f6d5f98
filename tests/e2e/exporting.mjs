// Helpers for exporting through the page and reading what it hands over,
// shared by the end-to-end suites.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byTestId, ready } from './harness.mjs';

/** A tiny RFC 4180 reader (quotes, doubled quotes, CRLF). */
export function parseCsv(text) {
  assert.equal(text.charCodeAt(0), 0xfeff, 'a byte-order mark for spreadsheets');
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

export const asObjects = (rows) => rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]])));

export async function downloadAll(page, work, count) {
  const files = {};
  const seen = [];
  page.on('download', (d) => seen.push(d));
  await byTestId(page, 'export-download').click();
  const deadline = Date.now() + 20_000;
  while (seen.length < count && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(seen.length, count, 'one download per file');
  for (const d of seen) {
    const path = join(work, d.suggestedFilename());
    await d.saveAs(path);
    files[d.suggestedFilename().replace(/^jangkau-\d{8}-\d{4}-/, '')] = readFileSync(path, 'utf8');
  }
  page.removeAllListeners('download');
  return files;
}

export async function exportAs(page, base, format) {
  await page.goto(base + '/exchange');
  await ready(page);
  await byTestId(page, `export-${format}`).check();
  // No programme key: the warning must be confirmed before anything is made.
  await byTestId(page, 'export-plain-warning').waitFor();
  assert.equal(await byTestId(page, 'export-start').isDisabled(), true);
  await byTestId(page, 'export-understood').check();
  await byTestId(page, 'export-start').click();
  await byTestId(page, 'export-done').waitFor();
}
