// First-load bytes of the release build in dist/: raw, gzip -9 and brotli
// q11, per file and in total, as a Markdown table. Budget: 150 KB brotli.
//
// Run: node bench/size.mjs   (after `trunk build --release`)
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const DIST = resolve(HERE, '..', 'dist');
const BUDGET_BROTLI = 150 * 1024;
const kb = (n) => (n / 1024).toFixed(1);

// What a first visit downloads before the home screen shows: the shell,
// the JS glue, the wasm and the stylesheet. Icons, manifest and sw.js load
// after, in the background.
const kinds = [
  ['html', (f) => f === 'index.html'],
  ['js', (f) => f.endsWith('.js') && f !== 'sw.js'],
  ['wasm', (f) => f.endsWith('.wasm')],
  ['css', (f) => f.endsWith('.css')],
];

const rows = [];
for (const file of readdirSync(DIST)) {
  const kind = kinds.find(([, match]) => match(file));
  if (!kind) continue;
  const bytes = readFileSync(join(DIST, file));
  rows.push({
    kind: kind[0],
    file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  });
}
rows.sort((a, b) => kinds.findIndex(([k]) => k === a.kind) - kinds.findIndex(([k]) => k === b.kind));
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  raw: 0, gzip: 0, brotli: 0,
});

console.log('| file | raw KB | gzip KB | brotli KB |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.kind} (${r.file}) | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`);
console.log(`| **total first load** | **${kb(total.raw)}** | **${kb(total.gzip)}** | **${kb(total.brotli)}** |`);
console.log(`\nbudget: ${kb(BUDGET_BROTLI)} KB brotli — ${total.brotli <= BUDGET_BROTLI ? 'within' : 'OVER'} budget`);
