// Facilitator's service worker (served as /person/sw.js, scope /person/).
// It keeps the current review's person-mode pages, pictures and speech on the tablet, so the
// person can carry on when the wifi drops. Pages: network first, the tablet's copy when the
// network fails. /static and /person/audio: the tablet's copy first. Only GETs; answers are
// sent by the page (person/sync.js), never from here. Signing out or unlocking the tablet clears
// all of it (the server sends Clear-Site-Data).
"use strict";

var VERSION = "v1";
var PAGES = "facilitator-pages-" + VERSION;
var ASSETS = "facilitator-assets-" + VERSION;
var META = "facilitator-meta-" + VERSION;
var KEEP = [PAGES, ASSETS, META];
var LIST_URL = "/person/api/offline-urls";
var PRECACHED_KEY = "/__precached__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("facilitator-") === 0 && KEEP.indexOf(name) < 0;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function isAsset(url) {
  return url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/person/audio/") === 0;
}

function isPage(url) {
  return url.pathname.indexOf("/person/") === 0 &&
    url.pathname.indexOf("/person/api/") !== 0 &&
    url.pathname !== "/person/sw.js";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (isAsset(url)) { event.respondWith(cacheFirst(request)); return; }
  if (isPage(url)) { event.respondWith(networkFirst(request, url)); }
});

function cacheable(response, url) {
  // A redirect (signed out, session ended) or an error page is never kept.
  return response && response.ok && response.status === 200 && !response.redirected &&
    response.type === "basic" && new URL(response.url || url.href).pathname === url.pathname;
}

function networkFirst(request, url) {
  return fetch(request).then(function (response) {
    if (cacheable(response, url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(url.href, copy); });
    }
    return response;
  }).catch(function () {
    return cachedPage(url).then(function (cached) {
      if (cached) { return cached; }
      if (request.mode === "navigate") { return Response.error(); }
      return new Response("", { status: 503, statusText: "Offline" });
    });
  });
}

function cachedPage(url) {
  return caches.open(PAGES).then(function (cache) {
    var options = { ignoreVary: true };
    return cache.match(url.href, options).then(function (hit) {
      if (hit) { return hit; }
      // "?answered=1" only adds the "Saved." note: the plain page is as good.
      var plain = new URL(url.href);
      plain.searchParams.delete("answered");
      return cache.match(plain.href, options);
    });
  });
}

function cacheFirst(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true, ignoreSearch: false }).then(function (hit) {
      if (hit) { return withRange(request, hit); }
      return fetch(request).then(function (response) {
        // A 206 (a media range request) cannot be cached; the full file comes with precaching.
        if (response.status === 200 && response.type === "basic") {
          cache.put(request.url, response.clone());
        }
        return response;
      });
    });
  });
}

// Media elements ask for byte ranges; answer them from the cached whole file.
function withRange(request, response) {
  var range = request.headers.get("Range");
  var match = range && /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match) { return response; }
  return response.blob().then(function (blob) {
    var size = blob.size;
    var start = match[1] === "" ? Math.max(0, size - Number(match[2])) : Number(match[1]);
    var end = match[1] !== "" && match[2] !== "" ? Math.min(Number(match[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response("", { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    var headers = new Headers(response.headers);
    headers.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
    headers.set("Content-Length", String(end - start + 1));
    return new Response(blob.slice(start, end + 1), { status: 206, statusText: "Partial Content", headers: headers });
  });
}

// The page asks for the review to be kept on the tablet; done once per version of the list.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "precache") { return; }
  var source = event.source;
  event.waitUntil(precache(Boolean(data.force)).then(function (report) {
    if (source) { source.postMessage(Object.assign({ type: "precached" }, report)); }
  }, function (error) {
    if (source) { source.postMessage({ type: "precache-failed", reason: String(error) }); }
  }));
});

function precache(force) {
  return fetch(LIST_URL, { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (!response.ok) { throw new Error("list " + response.status); }
      return response.json();
    })
    .then(function (list) {
      return caches.open(META).then(function (meta) {
        return meta.match(PRECACHED_KEY).then(function (done) {
          return done ? done.json() : null;
        }).then(function (previous) {
          if (!force && previous && previous.version === list.version && previous.review === list.review) {
            return Object.assign({ fresh: false }, previous);
          }
          // Another review's pages never stay beside this one's.
          var start = previous && previous.review !== list.review ? caches.delete(PAGES) : Promise.resolve();
          return start.then(function () { return fill(list); }).then(function (report) {
            var record = Object.assign({ version: list.version, review: list.review }, report);
            return meta.put(PRECACHED_KEY, new Response(JSON.stringify(record), {
              headers: { "Content-Type": "application/json" }
            })).then(function () { return Object.assign({ fresh: true }, record); });
          });
        });
      });
    });
}

function fill(list) {
  var report = { pages: 0, assets: 0, bytes: 0, failed: 0 };
  function keep(cacheName, address) {
    var url = new URL(address, self.location.origin);
    return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!cacheable(response, url)) { report.failed += 1; return; }
      return response.clone().arrayBuffer().then(function (body) {
        report.bytes += body.byteLength;
        return caches.open(cacheName).then(function (cache) { return cache.put(url.href, response); });
      }).then(function () { report[cacheName === PAGES ? "pages" : "assets"] += 1; });
    }).catch(function () { report.failed += 1; });
  }
  // A few at a time: the tablet stays responsive and the server is not flooded.
  var jobs = list.pages.map(function (u) { return [PAGES, u]; })
    .concat(list.assets.map(function (u) { return [ASSETS, u]; }));
  var next = 0;
  function worker() {
    if (next >= jobs.length) { return Promise.resolve(); }
    var job = jobs[next++];
    return keep(job[0], job[1]).then(worker);
  }
  var workers = [];
  for (var i = 0; i < 4; i += 1) { workers.push(worker()); }
  return Promise.all(workers).then(function () { return report; });
}
