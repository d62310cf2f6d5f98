// Trunk post_build hook: writes the precache list and version into sw.js.
//
// Reads TRUNK_STAGING_DIR (the finished build, after wasm-opt), lists every
// file in it except sw.js itself, and replaces the placeholders in sw.js with
// that list and a hash of the files' contents. Also writes 404.html, a copy
// of index.html, so static hosts that serve 404.html for unknown paths
// (GitHub Pages and many others) open deep links into the app.
//
// Usable outside Trunk too: `node scripts/build-sw.mjs DIR`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SKIP = new Set(['sw.js', '404.html']);

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

export function buildServiceWorker(dir) {
  const swPath = join(dir, 'sw.js');
  const template = readFileSync(swPath, 'utf8');
  if (!template.includes('__JANGKAU_PRECACHE__') || !template.includes('__JANGKAU_VERSION__')) {
    throw new Error(`${swPath} has no placeholders: was it already processed?`);
  }
  const files = listFiles(dir)
    .map((full) => relative(dir, full).split(sep).join('/'))
    .filter((rel) => !SKIP.has(rel));
  if (!files.includes('index.html')) {
    throw new Error(`${dir} has no index.html: not a finished build`);
  }
  const hash = createHash('sha256');
  for (const rel of files) {
    hash.update(rel);
    hash.update('\0');
    hash.update(readFileSync(join(dir, rel)));
    hash.update('\0');
  }
  const version = hash.digest('hex').slice(0, 16);
  const urls = files.map((rel) => './' + rel);
  const sw = template
    .replace('__JANGKAU_VERSION__', version)
    .replace('__JANGKAU_PRECACHE__', JSON.stringify(urls));
  writeFileSync(swPath, sw);
  writeFileSync(join(dir, '404.html'), readFileSync(join(dir, 'index.html')));
  return { version, urls };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
  if (!dir) {
    console.error('usage: node scripts/build-sw.mjs DIR (or set TRUNK_STAGING_DIR)');
    process.exit(2);
  }
  const { version, urls } = buildServiceWorker(dir);
  console.log(`sw.js: version ${version}, ${urls.length} files precached`);
}
