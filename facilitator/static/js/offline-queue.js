// The tablet's queue of answers waiting to be sent: one IndexedDB record per client id,
// written (durably) before the answer is sent and deleted once the server confirms it.
// Exposes window.Facilitator.queue; person/sync.js does the sending.
(function () {
  "use strict";
  var NAME = "facilitator-tablet";
  var STORE = "answers";
  var opening = null;
  var counter = 0;

  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      if (!("indexedDB" in window)) { reject(new Error("IndexedDB is not available")); return; }
      var request = window.indexedDB.open(NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) { db.createObjectStore(STORE, { keyPath: "client_id" }); }
      };
      request.onsuccess = function () {
        var db = request.result;
        // Clear-Site-Data (sign-out, unlock) deletes the database: let it go, reopen later.
        db.onversionchange = function () { db.close(); opening = null; };
        db.onclose = function () { opening = null; };
        resolve(db);
      };
      request.onerror = function () { opening = null; reject(request.error); };
      request.onblocked = function () { opening = null; reject(new Error("IndexedDB is blocked")); };
    });
    return opening;
  }

  // One transaction; resolves with the last request's result once the transaction is
  // complete (for writes: on disk, with "strict" durability where the browser offers it).
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

  var F = window.Facilitator = window.Facilitator || {};
  F.queue = {
    ready: function () { return open().then(function () { return true; }); },

    // Store an answer; the same client id again (a double tap) keeps its place in the queue.
    put: function (entry) {
      return run("readwrite", function (store) {
        var existing = store.get(entry.client_id);
        existing.onsuccess = function () {
          var before = existing.result;
          entry.seq = before ? before.seq : Date.now() * 1000 + (counter++ % 1000);
          entry.queued_at = before ? before.queued_at : new Date().toISOString();
          store.put(entry);
        };
        return null;
      });
    },

    // Every waiting answer, oldest first (the server must see a change of mind last).
    all: function () {
      return run("readonly", function (store) { return store.getAll(); }).then(function (list) {
        return (list || []).sort(function (a, b) { return a.seq - b.seq; });
      });
    },

    remove: function (clientId) {
      return run("readwrite", function (store) { return store.delete(clientId); });
    },

    clear: function () {
      return run("readwrite", function (store) { return store.clear(); });
    }
  };
})();
