// The guide's page offline (issue 18, item 5; docs/visits.md). Registered by the guide page
// with the scope /guide/: it controls that page only, never the catalogue, bookings or map.
// It keeps the page's shell and its modules so that /guide/ opens with no signal; the day's
// manifests are kept by the page itself in the "va-guide-day" cache (guide.js), replaced at
// each load and deleted at sign-out. Nothing here is private: the shell is the same for every
// reader, and this worker never stores an API answer.
const VERSION = "{{ version }}";
const SHELL_CACHE = `va-guide-shell-${VERSION}`;
const SHELL_URL = "/guide/";
const PRECACHE = {{ precache|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll([SHELL_URL, ...PRECACHE]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // An older release's shell goes; the page's own data cache ("va-guide-day") stays.
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("va-guide-shell-") && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

// Network first: online, the page is always the server's; the kept copy only answers when the
// network fails. Only GETs of the shell and of the app's static files are answered or stored:
// the API, sign-in and sign-out, and every write go to the network untouched.
async function networkFirst(request, key) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SHELL_URL)) {
    event.respondWith(networkFirst(request, SHELL_URL));
  } else if (url.pathname.startsWith("/static/frontend/")) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
