// Jangkau service worker: precaches exactly this build's files, serves them
// cache-first, and falls back to the app shell for navigations, so the app
// starts with no network at all.
//
// The placeholders below are filled by scripts/build-sw.mjs (a Trunk
// post_build hook): the version is a hash of every file's bytes, so any
// change to the build changes this file and the browser installs it as an
// update.
//
// The app's own wasm pieces (app-<hash>/: the main part and every screen's
// part, scripts/split-wasm.mjs) are build files like any other: precached
// together, under this version, so every screen opens offline.
//
// Parts (parts/<name>-<hash>/, e.g. the XLSForm importer) are not
// precached: only a coordinator needs one, and a field worker's phone
// should not download it at all. The first time the app loads a part it is
// stored in this version's cache and served from there (offline too); an
// update carries over the parts it still uses from the cache it replaces.
'use strict';

const VERSION = '__JANGKAU_VERSION__';
const PRECACHE = __JANGKAU_PRECACHE__;
const PARTS = __JANGKAU_PARTS__;
const CACHE_PREFIX = 'jangkau-';
const CACHE = CACHE_PREFIX + VERSION;
const SHELL = new URL('index.html', self.registration.scope).href;

// Trunk names the CSS after a hash of its bytes (`main-<hash>.css`), and
// scripts/split-wasm.mjs puts the wasm parts and their glue in a folder named
// after a hash of them all (`app-<hash>/`): such a file never changes under
// its name.
const HASHED = /-[0-9a-f]{12,}(_bg)?\.(js|wasm|css)$|\/app-[0-9a-f]{16}\//;

self.addEventListener('install', (event) => {
  // A hashed file is taken from the HTTP cache when the page has just
  // downloaded it (so a first visit downloads it once, not twice): its name
  // guarantees its bytes. Every other file (index.html, the manifest, icons,
  // config.json) uses `cache: 'reload'`, which bypasses the HTTP cache so a
  // stale copy from a CDN or the browser cache is never stored under a new
  // version.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache
        .addAll(PRECACHE.map((url) => new Request(url, { cache: HASHED.test(url) ? 'default' : 'reload' })))
        .then(() => keepParts(cache))
    )
  );
  // No skipWaiting() here: a new version waits until the user taps
  // "reload", so files never change under a half-filled form.
});

/** Copies this build's parts that an older version already stored. */
async function keepParts(cache) {
  for (const key of await caches.keys()) {
    if (!key.startsWith(CACHE_PREFIX) || key === CACHE) continue;
    const old = await caches.open(key);
    for (const url of PARTS) {
      const request = new URL(url, self.registration.scope).href;
      const hit = await old.match(request);
      if (hit && !(await cache.match(request))) await cache.put(request, hit);
    }
  }
}

/** A part from this version's cache, or fetched once and stored there. */
async function part(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE)
            .map((key) => caches.delete(key))
        )
      )
      // The first install controls the open page at once, so it works
      // offline without a second visit.
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') {
    event.waitUntil(self.skipWaiting());
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Only the app's own files: records posted to a programme's server (other
  // origins, or POST) always go to the network untouched.
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(
      caches.match(SHELL, { cacheName: CACHE }).then((shell) => shell || fetch(request))
    );
    return;
  }
  const url = request.url.split('?')[0];
  if (PARTS.some((p) => new URL(p, self.registration.scope).href === url)) {
    event.respondWith(part(request));
    return;
  }
  event.respondWith(
    caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request))
  );
});

// Background Sync: batches the app prepared while offline, sent when signal
// returns even if the app is closed. The worker cannot read records (they
// are sealed under a key only the unlocked app holds); it sends only the
// ready-made requests the app left in the `relay` meta entry, which exist
// only when every record in them is encrypted to the programme's key (see
// src/sync/wire.rs, `relay`). It marks a record sent only when the server's
// answer to that batch says created or duplicate; anything else is left for
// the app, which resends the same batch id on its next start.
const SYNC_TAG = 'jangkau-send';
// Each volunteer on the phone has a database of her own; the phone's own
// database lists them (src/service/phone.rs). The first profile's is the
// database every build before profiles used.
const FIRST_DB = 'jangkau';
const PHONE_DB = 'jangkau-phone';

function idb(request) {
  return new Promise((ok, fail) => {
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
}

/** The meta value `key` of `db`, or null (also for a database not laid out yet). */
async function readMeta(db, key) {
  if (!db.objectStoreNames.contains('meta')) return null;
  const entry = await idb(db.transaction('meta').objectStore('meta').get(key));
  return entry && entry.value ? entry.value : null;
}

/** The databases of every profile on the phone, whichever is unlocked. */
async function profileDatabases() {
  // Opened only if it exists: opening makes a database, and the app lays
  // out its own at its first start.
  const known = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
  if (!known.includes(PHONE_DB)) return [FIRST_DB];
  const db = await idb(indexedDB.open(PHONE_DB));
  try {
    const text = await readMeta(db, 'profiles');
    if (!text) return [FIRST_DB];
    return JSON.parse(text)
      .profiles.filter((p) => !p.removing && known.includes(p.db))
      .map((p) => p.db);
  } finally {
    db.close();
  }
}

async function readRelay(db) {
  const text = await readMeta(db, 'relay');
  return text ? JSON.parse(text) : null;
}

async function markSent(db, ids, batchId, now) {
  const tx = db.transaction(['records', 'meta'], 'readwrite');
  const records = tx.objectStore('records');
  for (const id of ids) {
    const record = await idb(records.get(id));
    if (record && record.status === 'final') {
      record.status = 'sent';
      records.put(record);
    }
  }
  const meta = tx.objectStore('meta');
  const entry = await idb(meta.get('relay'));
  if (entry && entry.value) {
    const relay = JSON.parse(entry.value);
    relay.batches = relay.batches.filter((b) => b.batch_id !== batchId);
    meta.put({ key: 'relay', value: relay.batches.length ? JSON.stringify(relay) : '' });
  }
  if (ids.length) meta.put({ key: 'last_sent', value: now });
  await new Promise((ok, fail) => {
    tx.oncomplete = ok;
    tx.onerror = () => fail(tx.error);
    tx.onabort = () => fail(tx.error);
  });
}

/** No answer is longer than this (src/sync/wire.rs, MAX_ANSWER_BYTES). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The answer as JSON, or null; reading stops past MAX_ANSWER_BYTES. */
async function readAnswer(response) {
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * The records of `batch` that `answer` says arrived (created or duplicate).
 * Only the batch's own records: an answer naming any other record (a buggy
 * or hostile server) must never make a record that was not sent look sent.
 */
function confirmed(batch, answer) {
  const carried = new Set(JSON.parse(batch.body).records.map((r) => r.record_id));
  return answer.results
    .filter((r) => r && (r.status === 'created' || r.status === 'duplicate') && carried.has(r.record_id))
    .map((r) => r.record_id);
}

/** The batch's JSON, gzip-compressed by the browser. */
async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Posts one relay batch; `compress` for a server that announced gzip. */
async function post(relay, batch, wanted) {
  // A browser without CompressionStream sends it plain, which any server reads.
  const compress = wanted && typeof CompressionStream === 'function';
  const headers = batch.headers.filter(([name]) => compress || name.toLowerCase() !== 'content-encoding');
  return fetch(relay.url, {
    method: 'POST',
    headers: Object.fromEntries(headers),
    body: compress ? await gzip(batch.body) : batch.body,
    // The default mode, so Chromium's preflight cache spares a round
    // trip per batch (see src/platform/http.rs).
    cache: 'default',
    credentials: 'omit',
    // Never followed: another server's "created" would mark records
    // sent that the programme's server never had.
    redirect: 'manual',
    signal: AbortSignal.timeout(relay.timeout_ms),
  });
}

/** Sends every profile's relay; one profile's failure does not hold back the others. */
async function sendRelay() {
  let failure = null;
  for (const name of await profileDatabases()) {
    try {
      await sendRelayOf(name);
    } catch (e) {
      failure = failure || e;
    }
  }
  if (failure) throw failure;
}

async function sendRelayOf(name) {
  const db = await idb(indexedDB.open(name));
  try {
    const relay = await readRelay(db);
    if (!relay) return;
    for (const batch of relay.batches) {
      let response = await post(relay, batch, batch.gzip);
      // The server stopped taking gzip (RFC 7694) and stored nothing: the
      // same batch once more, plain. The app learns it at its next run.
      if (response.status === 415 && batch.gzip) response = await post(relay, batch, false);
      // Throwing makes the browser try again later, with its own backoff.
      if (response.type === 'opaqueredirect') throw new Error('redirected');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = await readAnswer(response);
      if (!answer || answer.batch_id !== batch.batch_id || !Array.isArray(answer.results)) {
        throw new Error('not an answer to this batch');
      }
      await markSent(db, confirmed(batch, answer), batch.batch_id, new Date().toISOString());
    }
  } finally {
    db.close();
  }
}

self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  // The app's tabs hold the same lock while they send: never both at once.
  const run = self.navigator.locks
    ? self.navigator.locks.request(SYNC_TAG, { ifAvailable: true }, (lock) =>
        lock ? sendRelay() : Promise.reject(new Error('the app is sending'))
      )
    : sendRelay();
  event.waitUntil(run);
});
