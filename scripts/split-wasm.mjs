// Splits the app's wasm into the first download and the parts that load
// when a screen first opens (the split points are in src/main.rs).
//
// Trunk cannot split wasm, so this runs as the first step of its post_build
// hook (scripts/post-build.sh), after Trunk has written its own unsplit
// build: it takes cargo's raw output (the app's binary is linked with
// --emit-relocs, see build.rs), splits it with `wasm-split-cli` (crate
// wasm_split_cli_support, installed by scripts/setup.sh), runs wasm-bindgen
// on the main part with --keep-lld-exports (the parts import the main
// part's functions, table and memory by those exports) and, in release
// builds, wasm-opt -Oz on every wasm file. Trunk's glue and wasm are
// replaced by one folder:
//
//   app-<hash>/jangkau.js, jangkau_bg.wasm   the main part and its glue
//   app-<hash>/__wasm_split.js               the loader the glue imports
//   app-<hash>/split_*.wasm, chunk_*.wasm    the screens' parts and the code
//                                            several of them share
//   app-<hash>/snippets/                     wasm-bindgen's inline JS
//
// Files in it name each other only by fixed relative paths, and the folder
// is named by a hash of all of them: a new build is a new folder, so its
// parts are never mixed with an old build's (in the HTTP cache or the
// service worker's), and only index.html names the folder. The service
// worker precaches the folder with the rest of the build, under one version.
//
// Usable outside Trunk: `node scripts/split-wasm.mjs DIR [release]`.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { listFiles } from './build-sw.mjs';

/** The loader file wasm-split-cli writes; the glue imports it by this path. */
const LINK = '__wasm_split.js';
/** The name of the glue and main part inside the folder. */
const NAME = 'jangkau';

/** `integrity` value of `bytes` (what Trunk writes: SHA-384, base64). */
export function integrity(bytes) {
  return 'sha384-' + createHash('sha384').update(bytes).digest('base64');
}

/** The name Trunk gave the app's glue and wasm (`jangkau-<hash>`), read from index.html. */
export function trunkStem(html) {
  const m = html.match(/import init, \* as bindings from '\/?([\w.-]+)\.js'/);
  if (!m) throw new Error('index.html does not load a Trunk wasm build');
  return m[1];
}

/**
 * index.html for the split build: the start script and the preloads name
 * the folder's glue and wasm (with their integrity), Trunk's preload of its
 * snippet goes, and the loader is preloaded so the browser fetches it with
 * the glue rather than after it.
 */
export function rewriteIndex(html, { stem, folder, files }) {
  const at = (rel) => `/${folder}/${rel}`;
  const out = html
    .replaceAll(`'/${stem}.js'`, `'${at(`${NAME}.js`)}'`)
    .replaceAll(`'/${stem}_bg.wasm'`, `'${at(`${NAME}_bg.wasm`)}'`)
    .replace(/<link rel="modulepreload"[^>]*>/g, '')
    .replace(/<link rel="preload"[^>]*as="fetch" type="application\/wasm">/g, '');
  if (out.includes(stem)) throw new Error(`index.html still names ${stem} after rewriting`);
  const module = (rel) =>
    `<link rel="modulepreload" href="${at(rel)}" crossorigin="anonymous" integrity="${integrity(files[rel])}">`;
  const preloads = [
    module(`${NAME}.js`),
    module(LINK),
    ...Object.keys(files).filter((rel) => rel.startsWith('snippets/')).map(module),
    `<link rel="preload" href="${at(`${NAME}_bg.wasm`)}" crossorigin="anonymous" integrity="${integrity(files[`${NAME}_bg.wasm`])}" as="fetch" type="application/wasm">`,
  ];
  return out.replace('</head>', `${preloads.join('')}\n  </head>`);
}

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

export function split(dir, profile) {
  const release = profile === 'release';
  const mode = release ? 'release' : 'debug';
  const target = process.env.CARGO_TARGET_DIR || 'target';
  const input = join(target, 'wasm32-unknown-unknown', mode, 'jangkau.wasm');
  const indexPath = join(dir, 'index.html');
  const html = readFileSync(indexPath, 'utf8');
  if (/\/app-[0-9a-f]{16}\//.test(html)) throw new Error(`${indexPath} is already split: was it already processed?`);
  const stem = trunkStem(html);

  const work = join(target, 'split', mode);
  const out = join(work, 'out');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  run('wasm-split-cli', [input, join(work, 'split'), '--out-name', NAME]);
  run('wasm-bindgen', [
    '--target', 'web', '--no-typescript', '--keep-lld-exports', '--no-demangle',
    '--out-dir', out, '--out-name', NAME, join(work, 'split', `${NAME}.wasm`),
  ]);
  const parts = readdirSync(join(work, 'split')).filter((n) => n.endsWith('.wasm') && n !== `${NAME}.wasm`);
  if (parts.length === 0) throw new Error('wasm-split-cli found no split points: is the app linked with --emit-relocs (build.rs)?');
  for (const n of [...parts, LINK]) cpSync(join(work, 'split', n), join(out, n));
  if (release) {
    // The level Trunk would use (data-wasm-opt="z" before the split); the
    // features are the ones rustc's wasm32 target emits.
    for (const n of [`${NAME}_bg.wasm`, ...parts]) {
      const file = join(out, n);
      run('wasm-opt', ['-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', file, '-o', file]);
    }
  }
  const link = readFileSync(join(out, LINK), 'utf8');
  if (!link.includes(`from "./${NAME}.js"`)) throw new Error(`${LINK} does not import ./${NAME}.js`);

  const files = Object.fromEntries(
    listFiles(out).map((full) => [relative(out, full).split(sep).join('/'), readFileSync(full)]),
  );
  const hash = createHash('sha256');
  for (const [rel, bytes] of Object.entries(files)) hash.update(rel).update('\0').update(bytes).update('\0');
  const folder = `app-${hash.digest('hex').slice(0, 16)}`;
  cpSync(out, join(dir, folder), { recursive: true });
  // Trunk's unsplit glue, wasm and snippets are replaced by the folder.
  rmSync(join(dir, `${stem}.js`));
  rmSync(join(dir, `${stem}_bg.wasm`));
  rmSync(join(dir, 'snippets'), { recursive: true, force: true });
  writeFileSync(indexPath, rewriteIndex(html, { stem, folder, files }));
  return { folder, parts: parts.length, mainBytes: files[`${NAME}_bg.wasm`].length };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
  const profile = process.argv[3] || process.env.TRUNK_PROFILE || 'debug';
  if (!dir) {
    console.error('usage: node scripts/split-wasm.mjs DIR [release] (or set TRUNK_STAGING_DIR)');
    process.exit(2);
  }
  const { folder, parts, mainBytes } = split(dir, profile);
  console.log(`split: main part ${mainBytes} bytes of wasm, ${parts} parts in ${folder}/`);
}
