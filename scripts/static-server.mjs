// A small static file server for the built app (dist/): used by `serve.sh`
// to put the release build on the LAN, and by the end-to-end tests and
// benchmarks on 127.0.0.1.
//
// - unknown paths without a file extension get index.html (deep links);
// - sw.js, index.html, the manifest and config.json are served `no-cache`
//   so a new deployment is noticed; hashed build files are cached for a
//   year (`immutable`);
// - a file's precompressed copy (`FILE.br`, `FILE.gz`, written by
//   scripts/build-sw.mjs) is sent when the browser accepts it, with
//   `Content-Encoding` and `Vary: Accept-Encoding`, unless it is older
//   than the file (a file edited after the build is sent as it is);
// - every answer carries an `ETag` (a hash of the bytes sent), and a
//   request that names it in `If-None-Match` gets `304 Not Modified`;
// - it serves files only from the given folder (no `..` escapes).
//
// Usage: node scripts/static-server.mjs [--dir dist] [--host 127.0.0.1] [--port 8080]
// Prints "listening on http://HOST:PORT" once ready (port 0 picks a free one).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { networkInterfaces } from 'node:os';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const NO_CACHE = new Set(['/sw.js', '/index.html', '/404.html', '/manifest.webmanifest', '/config.json']);
const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
];

/** Which precompressed copy to send for `accept` (an Accept-Encoding header), best first. */
export function chooseEncoding(accept = '') {
  const offered = new Map();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    offered.set(name, q ? Number(q.slice(2)) : 1);
  }
  return ENCODINGS.filter(([name]) => (offered.get(name) ?? offered.get('*') ?? 0) > 0);
}

/**
 * Serves `dir`. `onAnswer(path, bytes, status)`, when given, hears every
 * answer with the bytes of its body (as sent, compressed or not).
 */
export function startServer({ dir = 'dist', host = '127.0.0.1', port = 8080, onAnswer } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith('/')) path += 'index.html';
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      let info = await stat(file).catch(() => null);
      if (!info && extname(path) === '') {
        path = '/index.html';
        file = join(root, path);
        info = await stat(file).catch(() => null);
      }
      if (!info || !info.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let sent = file;
      let encoding = null;
      for (const [name, suffix] of chooseEncoding(req.headers['accept-encoding'])) {
        const copy = await stat(file + suffix).catch(() => null);
        if (copy && copy.isFile() && copy.mtimeMs >= info.mtimeMs) {
          sent = file + suffix;
          encoding = name;
          break;
        }
      }
      const body = await readFile(sent);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      const headers = {
        'content-type': TYPES[extname(file)] || 'application/octet-stream',
        'cache-control': NO_CACHE.has(path) ? 'no-cache' : 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        etag,
        vary: 'Accept-Encoding',
      };
      if (encoding) headers['content-encoding'] = encoding;
      const matches = (req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim()).includes(etag);
      if (matches) {
        res.writeHead(304, headers).end();
        onAnswer?.(path, 0, 304);
        return;
      }
      headers['content-length'] = body.length;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
      onAnswer?.(path, req.method === 'HEAD' ? 0 : body.length, 200);
    } catch {
      res.writeHead(500).end();
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

function lanAddresses() {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const host = opt('host', '127.0.0.1');
  const server = await startServer({ dir: opt('dir', 'dist'), host, port: Number(opt('port', 8080)) });
  const { port } = server.address();
  console.log(`listening on http://${host}:${port}`);
  if (host === '0.0.0.0') {
    console.log(`on this computer: http://localhost:${port}`);
    for (const addr of lanAddresses()) console.log(`on the same Wi-Fi: http://${addr}:${port}`);
    console.log('a phone needs HTTPS or a USB tunnel (adb reverse) to use it: see README, "Open it on a phone"');
  }
}
