// A receiver for `jangkau.batch/1` (docs/endpoint.md), for tests and
// benchmarks: dedupes by batch id (answers replayed) and by record id
// (same payload_sha256 → duplicate, different → conflict), keeps everything
// in memory, and can be told to misbehave, one fault per batch request.
//
// It is also the reference a programme can read: handleBatch() is the whole
// protocol. Binds 127.0.0.1 only.
//
// Control (tests only, same port): POST /_control/faults {"faults": [...]}
// queues faults; each batch POST takes the next one ("ok" for none).
// GET /_control/state reports what is stored; POST /_control/reset.
// Faults: drop (store, then cut the connection mid-answer), drop-before (cut without
// storing), hang (store, never answer), slow:<ms> (store, answer late),
// 500, 503:<retry-after>, 401, 413, portal (200 + HTML), malformed,
// claim:<record id> (answer as usual, and also claim that record created —
// a buggy server naming a record the batch did not carry), redirect:<url>
// (307 to that address, storing nothing), endless (200, then JSON-looking
// bytes forever; what was written before the phone hung up is in
// state().endless).
//
// A batch id sent again must carry the same records, byte for byte, as the
// first time (only `sent_at` may change): a resend that differs is refused
// with 409 and listed in state().mismatched, so "same bytes on every retry"
// is tested, not assumed. For a gzip body the rule holds for what it
// decompresses to.
//
// gzip (startReceiver({ gzip: true }) or acceptGzip(true)): every answer
// says `Accept-Encoding: gzip` (RFC 7694) and bodies sent with
// `Content-Encoding: gzip` are read; without it such a body gets 415.
// state().encodings lists each batch body's coding ('gzip refused' for a
// 415), state().bodyBytes the body bytes as they came over the wire and
// state().decodedBytes the same bodies decompressed.
//
// CLI: node tests/receiver/receiver.mjs [--port N] [--token T] [--gzip]
//      [--idle-exit SECONDS]; stops when stdin closes or after that idle time.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA = /^[0-9a-f]{64}$/;
const MAX_BODY = 16 * 1024 * 1024;

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding, Authorization, Idempotency-Key, Accept',
  'Access-Control-Expose-Headers': 'Retry-After, Accept-Encoding',
  'Access-Control-Max-Age': '600',
};

/** The receiver's memory: what a real one would keep in its database. */
export function newStore() {
  return {
    records: new Map(), // record_id → { sha, record, times }
    answers: new Map(), // batch_id → the answer given
    bodies: new Map(), // batch_id → the first body, without sent_at
    mismatched: [], // batch ids resent with a different body
    batches: [], // every batch id received, in order (repeats included)
    posted: [], // every record id received (repeats included)
    preflights: 0, // CORS preflights (OPTIONS) asked
    encodings: [], // each batch body's Content-Encoding ('identity' when none)
    bodyBytes: 0, // batch body bytes as received (compressed when gzip)
    decodedBytes: 0, // the same bodies decompressed
  };
}

/** Checks one record; returns a reason to reject it, or null. */
function problem(r, rules) {
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (!UUID.test(r.record_id ?? '')) return 'record_id must be a UUID';
  if (!SHA.test(r.payload_sha256 ?? '')) return 'payload_sha256 must be 64 hex digits';
  if (typeof r.form_id !== 'string' || !Number.isInteger(r.form_version)) return 'form_id and form_version are required';
  if ((r.answers === undefined) === (r.encrypted === undefined)) return 'exactly one of answers or encrypted';
  if (r.collector !== undefined && (typeof r.collector?.id !== 'string' || !r.collector.id || typeof r.collector.name !== 'string')) {
    return 'collector needs an id and a name';
  }
  if (rules.rejectSite && r.site === rules.rejectSite) return rules.reason ?? `site code ${r.site} is not known to the programme`;
  return null;
}

/**
 * The protocol: takes a parsed body, returns [status, answer]. A batch id
 * seen before gets the same answer again (the phone lost the first one);
 * a record id seen before is a duplicate if its fingerprint matches.
 */
export function handleBatch(store, body, idempotencyKey, rules = {}) {
  if (body?.schema !== 'jangkau.batch/1') return [400, { error: 'schema must be jangkau.batch/1' }];
  if (typeof body.batch_id !== 'string' || !body.batch_id) return [400, { error: 'batch_id is required' }];
  if (idempotencyKey !== body.batch_id) return [400, { error: 'Idempotency-Key must equal batch_id' }];
  if (!Array.isArray(body.records)) return [400, { error: 'records must be an array' }];
  // Empty batches are connection tests: answered, never remembered.
  if (body.records.length) store.batches.push(body.batch_id);
  const { sent_at: _sentAt, ...same } = body;
  const canonical = JSON.stringify(same);
  const first = store.bodies.get(body.batch_id);
  if (first !== undefined && first !== canonical) {
    store.mismatched.push(body.batch_id);
    return [409, { error: 'this batch_id was sent before with other content' }];
  }
  const earlier = store.answers.get(body.batch_id);
  if (earlier) return [200, earlier];
  const results = body.records.map((r) => {
    store.posted.push(r?.record_id);
    const why = problem(r, rules);
    if (why) return { record_id: r?.record_id ?? null, status: 'rejected', reason: why };
    const stored = store.records.get(r.record_id);
    if (stored) {
      return stored.sha === r.payload_sha256
        ? { record_id: r.record_id, status: 'duplicate' }
        : { record_id: r.record_id, status: 'conflict', reason: 'a different version is stored under this id' };
    }
    store.records.set(r.record_id, { sha: r.payload_sha256, record: r });
    return { record_id: r.record_id, status: 'created' };
  });
  const answer = { batch_id: body.batch_id, results };
  if (body.records.length) {
    store.answers.set(body.batch_id, answer);
    store.bodies.set(body.batch_id, canonical);
  }
  return [200, answer];
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(Object.assign(new Error('too large'), { tooLarge: true }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Starts a receiver; resolves to { url, store, faults(list), state(), reset(), close() }. */
export async function startReceiver({ port = 0, token = null, path = '/batches', gzip = false, onRequest = () => {} } = {}) {
  let store = newStore();
  let takesGzip = gzip;
  const queue = [];
  const rules = { rejectSite: null, reason: null };
  const hanging = new Set();
  const endless = [];
  let maxRecords = Infinity;

  const server = createServer(async (req, res) => {
    onRequest();
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'OPTIONS') {
      store.preflights += 1;
      return send(res, 204, '');
    }
    try {
      if (url.pathname === '/_control/state') return send(res, 200, state());
      if (url.pathname === '/_control/reset' && req.method === 'POST') {
        store = newStore();
        queue.length = 0;
        return send(res, 200, { reset: true });
      }
      if (url.pathname === '/_control/faults' && req.method === 'POST') {
        queue.push(...JSON.parse(await readBody(req)).faults);
        return send(res, 200, { queued: queue.length });
      }
      if (url.pathname !== path || req.method !== 'POST') return send(res, 404, { error: 'not found' });
      const fault = String(queue.shift() ?? 'ok');
      if (fault === 'drop-before') return req.socket.destroy();
      if (token && req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'login refused' });
      if (fault === '401') return send(res, 401, { error: 'login refused' });
      if (fault === '500') return send(res, 500, { error: 'internal error' });
      if (fault.startsWith('503')) return send(res, 503, { error: 'busy' }, { 'Retry-After': fault.split(':')[1] ?? '1' });
      if (fault === 'portal') return send(res, 200, '<!doctype html><title>Login Wi-Fi</title><h1>Masuk ke Wi-Fi gratis</h1>');
      if (fault === 'malformed') return send(res, 200, '{"batch_id": "');
      if (fault.startsWith('redirect:')) return send(res, 307, '', { Location: fault.slice(9) });
      if (fault === 'endless') {
        res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, '[1,');
        let written = 0;
        const end = Date.now() + 60_000;
        const pump = () => {
          while (!res.destroyed && Date.now() < end) {
            written += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.destroy();
        };
        res.on('close', () => endless.push(written));
        return pump();
      }
      const announce = takesGzip ? { 'Accept-Encoding': 'gzip' } : {};
      const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (coding !== 'identity' && !(coding === 'gzip' && takesGzip)) {
        store.encodings.push(`${coding} refused`);
        return send(res, 415, { error: `Content-Encoding ${coding} is not accepted` }, { 'Accept-Encoding': 'identity' });
      }
      let body;
      try {
        const raw = await readBody(req);
        const decoded = coding === 'gzip' ? gunzipSync(raw, { maxOutputLength: MAX_BODY }) : raw;
        store.bodyBytes += raw.length;
        store.decodedBytes += decoded.length;
        body = JSON.parse(decoded);
        // Connection tests (empty batches) are not counted.
        if (body?.records?.length) store.encodings.push(coding);
      } catch (e) {
        return e.tooLarge || e.code === 'ERR_BUFFER_TOO_LARGE'
          ? send(res, 413, { error: 'too large' })
          : send(res, 400, { error: 'body is not JSON' });
      }
      if (fault === '413' || (body.records?.length ?? 0) > maxRecords) return send(res, 413, { error: 'too large' });
      const [status, answer] = handleBatch(store, body, req.headers['idempotency-key'], rules);
      if (fault === 'drop') {
        // Part of the answer, then the connection is cut: the phone cannot
        // know the batch was stored. (Cutting before any byte would let the
        // browser quietly retry on a fresh connection.)
        const head = Object.entries({ ...CORS, 'Content-Type': 'application/json', 'Content-Length': '4096' })
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n');
        req.socket.write(`HTTP/1.1 200 OK\r\n${head}\r\n\r\n{"batch_id":`);
        return setTimeout(() => req.socket.destroy(), 50);
      }
      if (fault === 'hang') {
        hanging.add(res);
        return;
      }
      if (fault.startsWith('slow')) {
        await new Promise((ok) => setTimeout(ok, Number(fault.split(':')[1] ?? 10_000)));
      }
      if (fault.startsWith('claim:') && status === 200) {
        return send(res, status, { ...answer, results: [...answer.results, { record_id: fault.slice(6), status: 'created' }] }, announce);
      }
      return send(res, status, answer, announce);
    } catch (e) {
      return send(res, 500, { error: String(e.message).slice(0, 100) });
    }
  });
  server.keepAliveTimeout = 1000;
  // Every byte both ways on every connection (request and status lines,
  // headers, bodies, preflights), for the benchmarks: wire().
  const sockets = new Set();
  let closedBytes = 0;
  let wireBase = 0;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closedBytes += socket.bytesRead + socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  const wireTotal = () => [...sockets].reduce((n, s) => n + s.bytesRead + s.bytesWritten, closedBytes);

  function state() {
    const copies = {};
    for (const id of store.posted) copies[id] = (copies[id] ?? 0) + 1;
    return {
      stored: [...store.records.keys()].sort(),
      records: Object.fromEntries([...store.records].map(([id, v]) => [id, v.record])),
      batches: store.batches,
      posted: store.posted,
      mismatched: store.mismatched,
      preflights: store.preflights,
      encodings: store.encodings,
      bodyBytes: store.bodyBytes,
      decodedBytes: store.decodedBytes,
      endless,
      pendingFaults: queue.length,
    };
  }

  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}${path}`;
  return {
    url,
    origin: `http://127.0.0.1:${server.address().port}`,
    state,
    faults: (list) => queue.push(...list),
    pendingFaults: () => queue.length,
    rejectSite: (site, reason = null) => {
      rules.rejectSite = site;
      rules.reason = reason;
    },
    limitRecords: (n) => {
      maxRecords = n;
    },
    acceptGzip: (on) => {
      takesGzip = on;
    },
    /** Bytes both ways on all connections since the last reset. */
    wire: () => wireTotal() - wireBase,
    reset: () => {
      store = newStore();
      queue.length = 0;
      wireBase = wireTotal();
    },
    close: () =>
      new Promise((ok) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  let idle;
  let receiver;
  const idleSeconds = Number(arg('--idle-exit', 600));
  const stop = () => receiver.close().then(() => process.exit(0));
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(stop, idleSeconds * 1000);
  };
  receiver = await startReceiver({
    port: Number(arg('--port', 0)),
    token: arg('--token', null),
    gzip: process.argv.includes('--gzip'),
    onRequest: touch,
  });
  console.log(`receiver on ${receiver.url}`);
  touch();
  process.stdin.on('end', stop);
  process.stdin.resume();
}
