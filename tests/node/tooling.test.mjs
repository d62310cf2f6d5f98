// Tests of the build tooling: the service-worker precache generator, the
// icon generator and the static server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { buildServiceWorker, precompress, writeDeploymentConfig } from '../../scripts/build-sw.mjs';
import { drawIcon } from '../../scripts/make-icons.mjs';
import { integrity, rewriteIndex, trunkStem } from '../../scripts/split-wasm.mjs';
import { startServer } from '../../scripts/static-server.mjs';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const ROOT = resolve(HERE, '..', '..');

function fakeBuild() {
  const dir = mkdtempSync(join(tmpdir(), 'jangkau-build-'));
  mkdirSync(join(dir, 'icons'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Jangkau</title>');
  writeFileSync(join(dir, 'app-1234.js'), 'export default 1;');
  writeFileSync(join(dir, 'app-1234_bg.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(dir, 'icons', 'icon-192.png'), 'png');
  mkdirSync(join(dir, 'parts', 'xlsform-0123456789abcdef'), { recursive: true });
  writeFileSync(join(dir, 'parts', 'xlsform-0123456789abcdef', 'jangkau_xlsform.js'), 'export default 3;');
  copyFileSync(join(ROOT, 'public', 'sw.js'), join(dir, 'sw.js'));
  return dir;
}

test('build-sw precaches exactly the build but its parts, not itself, and writes 404.html', () => {
  const dir = fakeBuild();
  try {
    const { version, urls, parts } = buildServiceWorker(dir);
    assert.deepEqual(urls, ['./app-1234.js', './app-1234_bg.wasm', './icons/icon-192.png', './index.html']);
    assert.deepEqual(parts, ['./parts/xlsform-0123456789abcdef/jangkau_xlsform.js']);
    assert.match(version, /^[0-9a-f]{16}$/);
    const sw = readFileSync(join(dir, 'sw.js'), 'utf8');
    assert.ok(sw.includes(`const VERSION = '${version}';`));
    assert.ok(sw.includes(`const PRECACHE = ${JSON.stringify(urls)};`));
    assert.ok(sw.includes(`const PARTS = ${JSON.stringify(parts)};`));
    assert.ok(!sw.includes('__JANGKAU_'));
    assert.equal(readFileSync(join(dir, '404.html'), 'utf8'), readFileSync(join(dir, 'index.html'), 'utf8'));
    // Running twice on the same folder is a mistake and says so.
    assert.throws(() => buildServiceWorker(dir), /no placeholders/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build-sw version changes with any byte of the build and only then', () => {
  const versionOf = (mutate) => {
    const dir = fakeBuild();
    try {
      mutate(dir);
      return buildServiceWorker(dir).version;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const base = versionOf(() => {});
  assert.equal(versionOf(() => {}), base, 'same build, same version');
  assert.notEqual(versionOf((d) => writeFileSync(join(d, 'app-1234.js'), 'export default 2;')), base);
  assert.notEqual(versionOf((d) => writeFileSync(join(d, 'extra.css'), '')), base);
  assert.notEqual(
    versionOf((d) => writeFileSync(join(d, 'parts', 'xlsform-0123456789abcdef', 'jangkau_xlsform.js'), '')),
    base,
    'a part is part of the version'
  );
});

test('build-sw refuses a folder that is not a finished build', () => {
  const dir = fakeBuild();
  try {
    rmSync(join(dir, 'index.html'));
    assert.throws(() => buildServiceWorker(dir), /no index.html/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Decodes an 8-bit RGBA PNG (filter 0 rows, as the generator writes). */
function decode(png) {
  const size = png.readUInt32BE(16);
  let idat = Buffer.alloc(0);
  for (let i = 8; i < png.length; ) {
    const len = png.readUInt32BE(i);
    const type = png.toString('ascii', i + 4, i + 8);
    if (type === 'IDAT') idat = Buffer.concat([idat, png.subarray(i + 8, i + 8 + len)]);
    i += 12 + len;
  }
  const raw = inflateSync(idat);
  const pixel = (x, y) => {
    const o = y * (size * 4 + 1) + 1 + x * 4;
    return [...raw.subarray(o, o + 4)];
  };
  return { size, pixel };
}

test('icons: "any" has transparent corners, "maskable" is full-bleed, both show the mark', () => {
  for (const size of [48, 192]) {
    const any = decode(drawIcon(size, false, 2));
    const maskable = decode(drawIcon(size, true, 2));
    assert.equal(any.size, size);
    assert.equal(any.pixel(0, 0)[3], 0, 'any: corner is transparent');
    assert.deepEqual(maskable.pixel(0, 0), [0x0f, 0x52, 0x57, 255], 'maskable: corner is brand colour');
    assert.deepEqual(any.pixel(size >> 1, 1), [0x0f, 0x52, 0x57, 255], 'any: edge is brand colour');
    // Somewhere in the middle the white mark is drawn.
    const mid = Array.from({ length: size }, (_, y) => maskable.pixel(Math.round(size * 0.6), y));
    assert.ok(mid.some((p) => p[0] === 255 && p[1] === 255 && p[2] === 255), 'the mark is there');
  }
});

test('committed icons are what the generator draws', () => {
  for (const [file, size, maskable] of [
    ['icon-192.png', 192, false], ['icon-512.png', 512, false],
    ['maskable-192.png', 192, true], ['maskable-512.png', 512, true],
  ]) {
    const committed = readFileSync(join(ROOT, 'public', 'icons', file));
    assert.ok(committed.equals(drawIcon(size, maskable)), `${file} is stale: run node scripts/make-icons.mjs`);
  }
});

test('static server: files, deep-link fallback, caching headers, no escape from its folder', async () => {
  const dir = fakeBuild();
  const server = await startServer({ dir, host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const wasm = await fetch(`${base}/app-1234_bg.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.match(wasm.headers.get('cache-control'), /immutable/);
    const deep = await fetch(`${base}/new/site-visit`);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<title>Jangkau<\/title>/);
    assert.equal(deep.headers.get('cache-control'), 'no-cache');
    const sw = await fetch(`${base}/sw.js`);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.equal((await fetch(`${base}/missing.js`)).status, 404);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const res = await fetch(`${base}${path}`);
      assert.ok(res.status === 403 || res.status === 404, `${path} answered ${res.status}`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the policy hashes exactly the inline scripts, and takes only real origins for connections', async () => {
  const { contentSecurityPolicy, inlineScripts } = await import('../../scripts/build-sw.mjs');
  const html = '<head><script type="module">boot()</script><script src="/x.js"></script></head>';
  assert.deepEqual(inlineScripts(html), ['boot()']);
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update('boot()').digest('base64');
  const policy = contentSecurityPolicy(html, 'https://data.example.org');
  assert.ok(policy.includes(`'sha256-${hash}'`), policy);
  assert.ok(policy.includes("connect-src 'self' https://data.example.org;"), policy);
  // A changed script body no longer matches.
  assert.ok(!contentSecurityPolicy(html.replace('boot()', 'boot(1)')).includes(hash));
  for (const bad of ['*', "'unsafe-inline'", 'https://a.example; script-src *', 'example.org']) {
    assert.throws(() => contentSecurityPolicy(html, bad), /not an origin/, bad);
  }
});

test('config.json carries the endpoint and the forms index, and connect-src gets their origins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jangkau-config-'));
  try {
    assert.equal(writeDeploymentConfig(dir, {}), '');
    const origins = writeDeploymentConfig(dir, {
      JANGKAU_ENDPOINT_URL: 'https://api.example.org/batches',
      JANGKAU_FORMS_URL: 'https://forms.example.net/opsi/index.json',
    });
    assert.equal(origins, 'https://api.example.org https://forms.example.net');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.forms_url, 'https://forms.example.net/opsi/index.json');
    assert.equal(config.endpoint_url, 'https://api.example.org/batches');
    // A path on the app's own host needs no extra origin.
    assert.equal(writeDeploymentConfig(dir, { JANGKAU_FORMS_URL: 'forms/index.json' }), '');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), { forms_url: 'forms/index.json' });
    assert.throws(() => writeDeploymentConfig(dir, { JANGKAU_FORMS_URL: 'http://forms.example.net/i.json' }), /https/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A GET with exactly `headers` (fetch would add and undo its own encodings). */
async function rawGet(url, headers = {}) {
  const { get } = await import('node:http');
  return new Promise((ok, fail) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail);
  });
}

test('static server: precompressed copies by Accept-Encoding, ETags and 304, a copy older than its file never sent', async () => {
  const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
  const { utimesSync } = await import('node:fs');
  const dir = fakeBuild();
  const wasmPath = join(dir, 'app-1234_bg.wasm');
  writeFileSync(wasmPath, Buffer.alloc(50_000, 7));
  assert.ok(precompress(dir) >= 3);
  const original = readFileSync(wasmPath);
  const server = await startServer({ dir, host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/app-1234_bg.wasm`;
  try {
    const br = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.ok(brotliDecompressSync(br.body).equals(original));
    assert.ok(br.body.length < original.length / 10);
    const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(gz.body).equals(original));
    const plain = await rawGet(url);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(original));
    // Each representation has its own ETag; naming it again gets a 304.
    assert.notEqual(br.headers.etag, plain.headers.etag);
    const again = await rawGet(url, { 'accept-encoding': 'br', 'if-none-match': br.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    // A file edited after the build: its stale copies are not sent.
    writeFileSync(wasmPath, Buffer.alloc(10, 1));
    const future = Date.now() / 1000 + 60;
    utimesSync(wasmPath, future, future);
    const edited = await rawGet(url, { 'accept-encoding': 'br' });
    assert.equal(edited.headers['content-encoding'], undefined);
    assert.ok(edited.body.equals(Buffer.alloc(10, 1)));
    // config.json is read at unlock: never cached for a year.
    writeFileSync(join(dir, 'config.json'), '{}');
    const config = await rawGet(`http://127.0.0.1:${server.address().port}/config.json`);
    assert.equal(config.headers['cache-control'], 'no-cache');
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('precompressed copies are not precached by the service worker', () => {
  const dir = fakeBuild();
  try {
    precompress(dir);
    const { urls } = buildServiceWorker(dir);
    assert.ok(urls.length > 0);
    assert.ok(!urls.some((u) => /\.(br|gz)$/.test(u)), urls.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('split-wasm: index.html names the folder\'s glue and wasm with their integrity, preloads the loader, and keeps nothing of Trunk\'s', () => {
  const stem = 'jangkau-0123456789abcdef';
  const html = [
    '<html><head><link rel="stylesheet" href="/main-aaaaaaaaaaaaaaaa.css" integrity="sha384-css"/>',
    `<script type="module">\nimport init, * as bindings from '/${stem}.js';\nconst wasm = await init({ module_or_path: '/${stem}_bg.wasm' });\n</script>`,
    `<link rel="modulepreload" href="/${stem}.js" crossorigin="anonymous" integrity="sha384-old">`,
    '<link rel="modulepreload" href="/snippets/jangkau-1/inline0.js" crossorigin="anonymous" integrity="sha384-old">',
    `<link rel="preload" href="/${stem}_bg.wasm" crossorigin="anonymous" integrity="sha384-old" as="fetch" type="application/wasm">`,
    '</head><body></body></html>',
  ].join('\n');
  assert.equal(trunkStem(html), stem);
  const files = {
    'jangkau.js': Buffer.from('glue'),
    'jangkau_bg.wasm': Buffer.from([0, 97, 115, 109]),
    '__wasm_split.js': Buffer.from('loader'),
    'split_settings.wasm': Buffer.from([0, 97, 115, 109, 1]),
    'snippets/jangkau-1/inline0.js': Buffer.from('snippet'),
  };
  const folder = 'app-fedcba9876543210';
  const out = rewriteIndex(html, { stem, folder, files });
  assert.ok(!out.includes(stem), 'nothing names Trunk\'s unsplit files');
  assert.ok(!out.includes('sha384-old'));
  assert.ok(out.includes(`import init, * as bindings from '/${folder}/jangkau.js'`));
  assert.ok(out.includes(`module_or_path: '/${folder}/jangkau_bg.wasm'`));
  for (const rel of ['jangkau.js', '__wasm_split.js', 'snippets/jangkau-1/inline0.js']) {
    assert.ok(out.includes(`<link rel="modulepreload" href="/${folder}/${rel}" crossorigin="anonymous" integrity="${integrity(files[rel])}">`), rel);
  }
  assert.ok(out.includes(`<link rel="preload" href="/${folder}/jangkau_bg.wasm" crossorigin="anonymous" integrity="${integrity(files['jangkau_bg.wasm'])}" as="fetch"`));
  assert.ok(!out.includes('split_settings'), 'parts are not preloaded: they load with their screen');
  assert.ok(out.includes('integrity="sha384-css"'), 'the stylesheet is untouched');
  assert.equal(integrity(Buffer.from('abc')), 'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn');
  assert.throws(() => trunkStem('<html></html>'), /does not load a Trunk wasm build/);
});

test('the service worker takes the CSS and the app folder from the HTTP cache, everything else afresh', () => {
  const sw = readFileSync(join(ROOT, 'public', 'sw.js'), 'utf8');
  const HASHED = new RegExp(sw.match(/const HASHED = \/(.+)\/;/)[1]);
  for (const url of ['./main-c9c874f39e2d9b5a.css', './app-86645e1dd735abd5/jangkau_bg.wasm', './app-86645e1dd735abd5/chunk_7.wasm', './app-86645e1dd735abd5/snippets/jangkau-cd67113f05e2337a/inline0.js']) {
    assert.ok(HASHED.test(url), url);
  }
  for (const url of ['./index.html', './manifest.webmanifest', './config.json', './icons/icon-192.png', './app-86645e1/jangkau.js']) {
    assert.ok(!HASHED.test(url), url);
  }
});
