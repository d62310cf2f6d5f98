// Trunk post_build hook: adds the Content-Security-Policy to index.html,
// then writes the precache list and version into sw.js.
//
// The policy allows scripts only from the app's origin plus, by hash, the
// one inline module script Trunk writes to start the wasm; no eval (only
// 'wasm-unsafe-eval', which compiling WebAssembly needs); no inline styles;
// connections only to the app itself and the origins listed in the
// JANGKAU_CONNECT_SRC environment variable at build time (the programme's
// endpoint, space-separated), so a changed setting cannot send records
// anywhere else.
//
// Reads TRUNK_STAGING_DIR (the finished build, after wasm-opt), lists every
// file in it except sw.js itself, and replaces the placeholders in sw.js with
// that list (the parts under parts/ listed apart: they are cached when first
// loaded, not precached) and a hash of the files' contents. Also writes 404.html, a copy
// of index.html, so static hosts that serve 404.html for unknown paths
// (GitHub Pages and many others) open deep links into the app.
//
// A deployment can ship its server and its forms: with JANGKAU_ENDPOINT_URL
// (and optionally JANGKAU_ENDPOINT_KIND, JANGKAU_BATCH_SIZE) and/or
// JANGKAU_FORMS_URL set at build time, config.json is written beside the
// app, precached, and their origins added to connect-src. The app adopts
// them on a phone that has none. Credentials never go in it: the file is
// public.
//
// Last, it writes a brotli and a gzip copy beside every text and wasm file
// (FILE.br, FILE.gz) for hosts that serve precompressed files; they are not
// precached (the service worker stores what the browser decoded).
//
// Usable outside Trunk too: `node scripts/build-sw.mjs DIR`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import zlib, { brotliCompressSync, gzipSync } from 'node:zlib';
import { join, relative, sep } from 'node:path';

const SKIP = new Set(['sw.js', '404.html']);
/** Files loaded only when a screen needs them (scripts/build-xlsform.sh). */
const PART = /^parts\//;

/** Every file under `dir`, as full paths, in a stable order. */
export function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

/** Every inline <script> body in `html` (scripts with a src are skipped). */
export function inlineScripts(html) {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

/** The policy for a build whose index.html is `html`. */
export function contentSecurityPolicy(html, connectSrc = '') {
  const hashes = inlineScripts(html).map((body) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
  const extra = connectSrc.split(/\s+/).filter(Boolean);
  for (const origin of extra) {
    if (!/^https?:\/\/[^\s;,'"]+$/.test(origin)) throw new Error(`JANGKAU_CONNECT_SRC: not an origin: ${origin}`);
  }
  return [
    "default-src 'none'",
    `script-src 'self' ${[...hashes, "'wasm-unsafe-eval'"].join(' ')}`,
    "style-src 'self'",
    "img-src 'self'",
    ['connect-src', "'self'", ...extra].join(' '),
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'self'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Puts the policy first in <head>, before anything it governs. */
export function applyContentSecurityPolicy(dir, connectSrc = process.env.JANGKAU_CONNECT_SRC ?? '') {
  const path = join(dir, 'index.html');
  const html = readFileSync(path, 'utf8');
  if (html.includes('http-equiv="Content-Security-Policy"')) {
    throw new Error(`${path} already has a policy: was it already processed?`);
  }
  const policy = contentSecurityPolicy(html, connectSrc);
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
  // After <meta charset> (which must come first), before any script or style.
  const at = html.match(/<meta charset[^>]*>/) ?? html.match(/<head>/);
  if (!at) throw new Error(`${path} has no <head>`);
  const end = at.index + at[0].length;
  writeFileSync(path, `${html.slice(0, end)}\n    ${meta}${html.slice(end)}`);
  return policy;
}

export function buildServiceWorker(dir) {
  const swPath = join(dir, 'sw.js');
  const template = readFileSync(swPath, 'utf8');
  if (!['__JANGKAU_PRECACHE__', '__JANGKAU_VERSION__', '__JANGKAU_PARTS__'].every((p) => template.includes(p))) {
    throw new Error(`${swPath} has no placeholders: was it already processed?`);
  }
  const files = listFiles(dir)
    .map((full) => relative(dir, full).split(sep).join('/'))
    .filter((rel) => !SKIP.has(rel) && !/\.(br|gz)$/.test(rel));
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
  const urls = files.filter((rel) => !PART.test(rel)).map((rel) => './' + rel);
  const parts = files.filter((rel) => PART.test(rel)).map((rel) => './' + rel);
  const sw = template
    .replace('__JANGKAU_VERSION__', version)
    .replace('__JANGKAU_PRECACHE__', JSON.stringify(urls))
    .replace('__JANGKAU_PARTS__', JSON.stringify(parts));
  writeFileSync(swPath, sw);
  writeFileSync(join(dir, '404.html'), readFileSync(join(dir, 'index.html')));
  return { version, urls, parts };
}

/** Checks a build-time address: https://, or http:// on this device. */
function checkedUrl(name, url) {
  const parsed = new URL(url);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && local)) {
    throw new Error(`${name} must be https:// (http only for localhost): ${url}`);
  }
  if (parsed.username || parsed.password) throw new Error(`${name} must not carry credentials`);
  return parsed;
}

/**
 * Writes config.json from the environment: the endpoint
 * (JANGKAU_ENDPOINT_URL, _KIND, JANGKAU_BATCH_SIZE) and the programme's
 * forms index (JANGKAU_FORMS_URL: absolute, or a path on the app's host).
 * Returns the origins the app must be allowed to connect to, space-separated
 * ('' when there are none).
 */
export function writeDeploymentConfig(dir, env = process.env) {
  const config = {};
  const origins = [];
  if (env.JANGKAU_ENDPOINT_URL) {
    const url = env.JANGKAU_ENDPOINT_URL;
    origins.push(checkedUrl('JANGKAU_ENDPOINT_URL', url).origin);
    config.endpoint_url = url;
    if (env.JANGKAU_ENDPOINT_KIND) {
      if (!['jangkau_batch', 'couch_db'].includes(env.JANGKAU_ENDPOINT_KIND)) {
        throw new Error(`JANGKAU_ENDPOINT_KIND must be jangkau_batch or couch_db`);
      }
      config.endpoint_kind = env.JANGKAU_ENDPOINT_KIND;
    }
    if (env.JANGKAU_BATCH_SIZE) config.batch_size = Number(env.JANGKAU_BATCH_SIZE);
  }
  if (env.JANGKAU_FORMS_URL) {
    const url = env.JANGKAU_FORMS_URL;
    if (url.includes('://')) origins.push(checkedUrl('JANGKAU_FORMS_URL', url).origin);
    else if (/^\/\/|\s/.test(url)) throw new Error(`JANGKAU_FORMS_URL: not a usable address: ${url}`);
    config.forms_url = url;
  }
  if (Object.keys(config).length === 0) return '';
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  return [...new Set(origins)].join(' ');
}

/** Files worth compressing: text and wasm (images are compressed already). */
const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|json|webmanifest|svg|txt)$/;

/**
 * Writes `FILE.br` (brotli, quality 11) and `FILE.gz` (gzip, level 9) beside
 * every compressible file of the build, for servers that send precompressed
 * files (scripts/static-server.mjs does). Returns how many files.
 */
export function precompress(dir) {
  let n = 0;
  for (const full of listFiles(dir)) {
    if (!COMPRESSIBLE.test(full)) continue;
    const bytes = readFileSync(full);
    writeFileSync(
      full + '.br',
      brotliCompressSync(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      })
    );
    writeFileSync(full + '.gz', gzipSync(bytes, { level: 9 }));
    n += 1;
  }
  return n;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
  if (!dir) {
    console.error('usage: node scripts/build-sw.mjs DIR (or set TRUNK_STAGING_DIR)');
    process.exit(2);
  }
  const shipped = writeDeploymentConfig(dir);
  applyContentSecurityPolicy(dir, [process.env.JANGKAU_CONNECT_SRC ?? '', shipped].join(' '));
  const { version, urls, parts } = buildServiceWorker(dir);
  console.log(`sw.js: version ${version}, ${urls.length} files precached, ${parts.length} cached when first loaded`);
  console.log(`precompressed (brotli, gzip): ${precompress(dir)} files`);
}
