// Person mode, the person's own recordings waiting on the tablet (issue 24): each kept
// recording is written (durably) to IndexedDB ("facilitator-voice") before it is sent, and
// leaves it only when the server confirms it (or refuses it for good), so a recording made
// without wifi is sent once when the wifi is back (the server keeps one per client id). While
// any wait, the status box says how many and the forms that leave person mode are held.
// Exposes window.Facilitator.voice; person/say-it.js records.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var DB_NAME = "facilitator-voice";
  var STORE = "recordings";
  var REQUEST_TIMEOUT_MS = 30000;
  var opening = null;
  var sending = null;

  // --- the tablet's storage -------------------------------------------------------------------
  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      if (!("indexedDB" in window)) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        if (!request.result.objectStoreNames.contains(STORE)) {
          request.result.createObjectStore(STORE, { keyPath: "client_id" });
        }
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); opening = null; };
        db.onclose = function () { opening = null; };
        resolve(db);
      };
      request.onerror = function () { opening = null; reject(request.error); };
      request.onblocked = function () { opening = null; reject(new Error("blocked")); };
    });
    return opening;
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = mode === "readwrite"
          ? db.transaction(STORE, mode, { durability: "strict" })
          : db.transaction(STORE, mode);
        var result;
        var request = work(tx.objectStore(STORE));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
      });
    });
  }

  function waiting() {
    var review = Number(document.body.getAttribute("data-review") || 0);
    return run("readonly", function (store) { return store.getAll(); }).then(function (list) {
      return (list || []).filter(function (e) { return e.review_id === review; })
        .sort(function (a, b) { return a.seq - b.seq; });
    }, function () { return []; });
  }

  // --- how many wait, and holding the ways out of person mode ----------------------------------
  function box() { return document.querySelector("[data-voice-status]"); }

  function waitingText(count) {
    var el = box();
    var forms = {};
    try { forms = JSON.parse(el.getAttribute("data-waiting") || "{}"); } catch (ignored) { forms = {}; }
    var tag = count === 1 ? "one" : "other";
    if (window.Intl && window.Intl.PluralRules) {
      try { tag = new window.Intl.PluralRules(el.getAttribute("data-lang") || "en").select(count); } catch (ignored) { /* default */ }
    }
    return (forms[tag] || forms.other || forms.one || "").replace("{n}", String(count));
  }

  function hold(count) {
    var el = box();
    document.querySelectorAll("#main [data-hold-while-waiting]").forEach(function (area) {
      var note = area.querySelector(".voice-held");
      if (count > 0) {
        area.querySelectorAll("input, button, select, textarea").forEach(function (control) {
          if (!control.hasAttribute("data-voice-held")) {
            control.setAttribute("data-voice-held", control.disabled && !control.hasAttribute("data-held") ? "was" : "yes");
          }
          control.disabled = true; // again each time: the answers' own hold may have let go
        });
        if (!note) {
          note = document.createElement("p");
          note.className = "sync-held voice-held";
          area.insertBefore(note, area.firstChild);
        }
        note.textContent = el ? el.getAttribute("data-held") : "";
      } else {
        area.querySelectorAll("[data-voice-held]").forEach(function (control) {
          if (control.getAttribute("data-voice-held") === "yes" && !control.hasAttribute("data-held")) {
            control.disabled = false;
          }
          control.removeAttribute("data-voice-held");
        });
        if (note) { note.remove(); }
      }
    });
  }

  function refresh() {
    return waiting().then(function (list) {
      var el = box();
      var message = el && el.querySelector("[data-voice-message]");
      if (message) { message.textContent = list.length ? waitingText(list.length) : ""; }
      if (el) { el.setAttribute("data-voice-count", String(list.length)); }
      hold(list.length);
      return list.length;
    });
  }

  // --- sending ----------------------------------------------------------------------------------
  function timedFetch(url, options) {
    if (!window.AbortController) { return fetch(url, options); }
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    options.signal = controller.signal;
    return fetch(url, options).then(function (r) { window.clearTimeout(timer); return r; }, function (e) { window.clearTimeout(timer); throw e; });
  }

  function token() {
    var status = document.querySelector("[data-sync-status]");
    var url = status && status.getAttribute("data-token-url");
    return timedFetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("token"); } return r.json(); })
      .then(function (body) { return body.csrf_token; });
  }

  function forget(entry) { return run("readwrite", function (store) { return store.delete(entry.client_id); }); }

  function sendOne(entry, csrf, outcome) {
    var form = new FormData();
    form.append("client_id", entry.client_id);
    form.append("review_id", String(entry.review_id));
    form.append("position", String(entry.position));
    form.append("recording", entry.blob, "recording." + (entry.type.indexOf("ogg") !== -1 ? "ogg" : "webm"));
    return timedFetch(entry.url, {
      method: "POST", credentials: "same-origin", cache: "no-store", body: form,
      headers: { Accept: "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.status === 200 && body && body.ok) {
          outcome.sent.push(entry.client_id);
          return forget(entry);
        }
        if (body && (response.status === 400 || response.status === 403 || response.status === 409)) {
          // Refused for good (not a recording we keep): the person is told, and may try again.
          outcome.refused[entry.client_id] = body.error || "";
          return forget(entry);
        }
        outcome.stopped = true;
      });
    });
  }

  function sendAll() {
    var outcome = { sent: [], refused: {}, stopped: false };
    return waiting().then(function (list) {
      if (!list.length || navigator.onLine === false) { return; }
      return token().then(function (csrf) {
        return list.reduce(function (previous, entry) {
          return previous.then(function () { if (!outcome.stopped) { return sendOne(entry, csrf, outcome); } });
        }, Promise.resolve());
      });
    }).catch(function () { outcome.stopped = true; }).then(function () {
      return refresh().then(function () {
        document.dispatchEvent(new CustomEvent("facilitator:voice-sent", { detail: outcome }));
        return outcome;
      });
    });
  }

  // One pass at a time (and one tab at a time where the browser has locks).
  function drain() {
    if (sending) { return sending; }
    var pass = navigator.locks && navigator.locks.request
      ? navigator.locks.request("facilitator-voice-queue", sendAll) : sendAll();
    sending = Promise.resolve(pass).then(function (o) { sending = null; return o; }, function () { sending = null; });
    return sending;
  }

  function put(entry) { return run("readwrite", function (store) { return store.put(entry); }); }

  window.addEventListener("online", function () { drain(); });
  window.setInterval(function () { if (navigator.onLine !== false) { drain(); } }, 30000);
  window.setInterval(function () { refresh().catch(function () { /* no storage */ }); }, 3000);

  function init() { refresh().then(function (n) { if (n) { drain(); } }, function () { /* no storage */ }); }
  document.addEventListener("htmx:afterSettle", init);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }

  F.voice = { waiting: waiting, drain: drain, refresh: refresh, put: put };
})();
