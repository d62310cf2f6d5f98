// Jangkau service worker: precaches exactly this build's files, serves them
// cache-first, and falls back to the app shell for navigations, so the app
// starts with no network at all.
//
// The two placeholders below are filled by scripts/build-sw.mjs (a Trunk
// post_build hook): the version is a hash of every precached file's bytes,
// so any change to the build changes this file and the browser installs it
// as an update.
'use strict';

const VERSION = '__JANGKAU_VERSION__';
const PRECACHE = __JANGKAU_PRECACHE__;
const CACHE_PREFIX = 'jangkau-';
const CACHE = CACHE_PREFIX + VERSION;
const SHELL = new URL('index.html', self.registration.scope).href;

self.addEventListener('install', (event) => {
  // `cache: 'reload'` bypasses the HTTP cache so a stale file from a CDN or
  // the browser cache can never be stored under a new version.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })))
    )
  );
  // No skipWaiting() here: a new version waits until the user taps
  // "reload", so files never change under a half-filled form.
});

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
  event.respondWith(
    caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request))
  );
});
