// Bytes of the release build in dist/: what the first load downloads before
// the lock screen shows (index.html and every file it loads or preloads: the
// stylesheet, the glue, the loader, the main wasm part), then the parts that
// load when a screen first opens, then the whole app; raw, gzip -9 and
// brotli q11, as Markdown tables. Budgets: 150 KB brotli for the first
// load, 450 KB for the whole app (every part; the XLSForm importer, which a
// field phone never loads, is listed apart).
//
// Run: node bench/size.mjs   (after `trunk build --release`)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = resolve(HERE, '..', 'dist');
const FIRST_BUDGET = 150 * 1024;
const APP_BUDGET = 450 * 1024;
const kb = (n) => (n / 1024).toFixed(1);

function measure(rel) {
  const bytes = readFileSync(join(DIST, rel));
  return {
    file: rel,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function listFiles(base) {
  const out = [];
  for (const name of readdirSync(join(DIST, base)).sort()) {
    const rel = `${base}/${name}`;
    if (statSync(join(DIST, rel)).isDirectory()) out.push(...listFiles(rel));
    else if (!/\.(br|gz)$/.test(name)) out.push(rel);
  }
  return out;
}

const sum = (rows) => rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });

function table(title, rows, totalLabel) {
  console.log(`\n${title}\n`);
  console.log('| file | raw KB | gzip KB | brotli KB |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.file} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`);
  const t = sum(rows);
  console.log(`| **${totalLabel}** | **${kb(t.raw)}** | **${kb(t.gzip)}** | **${kb(t.brotli)}** |`);
  return t;
}

const html = readFileSync(join(DIST, 'index.html'), 'utf8');
const loaded = [...html.matchAll(/<link rel="(?:stylesheet|modulepreload|preload)" href="\/?([^"]+)"/g)].map((m) => m[1]);
const first = ['index.html', ...new Set(loaded)].map(measure);
const folder = readdirSync(DIST).find((n) => /^app-[0-9a-f]{16}$/.test(n));
const inFirst = new Set(first.map((r) => r.file));
const parts = folder ? listFiles(folder).filter((rel) => rel.endsWith('.wasm') && !inFirst.has(rel)).map(measure) : [];
const importer = readdirSync(join(DIST, 'parts')).flatMap((d) => listFiles(`parts/${d}`)).map(measure);

const f = table('First load (before the lock screen):', first, 'total first load');
const p = table('Screen parts (each loads when its screen first opens; precached by the service worker):', parts, 'all screen parts');
table('Loaded only by an XLSForm import (not precached):', importer, 'importer');
const app = f.brotli + p.brotli;
console.log(`\nfirst load: ${kb(f.brotli)} KB brotli — ${f.brotli <= FIRST_BUDGET ? 'within' : 'OVER'} the ${kb(FIRST_BUDGET)} KB budget`);
console.log(`whole app (first load + every screen part): ${kb(app)} KB brotli — ${app <= APP_BUDGET ? 'within' : 'OVER'} the ${kb(APP_BUDGET)} KB budget`);
