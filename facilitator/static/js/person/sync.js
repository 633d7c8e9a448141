// Person mode, sending the answers kept on the tablet (offline-queue.js) to the server: in
// order, one pass at a time, with a fresh CSRF token after time offline, each request given
// up after a while on weak wifi. An answer leaves the queue only when the server confirms it
// (or refuses it for good); anything else stops the pass and it is tried again later.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var TOKEN_AGE_MS = 60 * 60 * 1000;
  var REQUEST_TIMEOUT_MS = 10000;
  var token = null;
  var tokenAt = 0;
  var mustRenew = false;
  var chain = Promise.resolve();

  // The answers of this review still on the tablet (none until the queue is open).
  function waiting() {
    if (!F.sync.ready) { return Promise.resolve([]); }
    var review = F.page.reviewId();
    return F.queue.all().then(function (list) {
      return list.filter(function (entry) { return entry.review_id === review; });
    }, function () { return []; });
  }

  // A request that hangs on weak wifi is given up after a while (and tried again later).
  function timedFetch(url, options) {
    if (!window.AbortController) { return fetch(url, options); }
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    options.signal = controller.signal;
    return fetch(url, options).then(function (response) {
      window.clearTimeout(timer);
      return response;
    }, function (error) {
      window.clearTimeout(timer);
      throw error;
    });
  }

  function pageToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || null;
    } catch (ignored) {
      return null;
    }
  }

  // After time offline the page's token may have expired: a fresh one comes first.
  function freshToken(force) {
    if (!force && !mustRenew && token && Date.now() - tokenAt < TOKEN_AGE_MS) { return Promise.resolve(token); }
    return timedFetch(F.page.say("token-url"), { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { throw new Error("signed-out"); }
        if (!response.ok) { throw new Error("server"); }
        return response.json();
      })
      .then(function (body) {
        token = body.csrf_token;
        tokenAt = Date.now();
        mustRenew = false;
        applyToken();
        return token;
      });
  }

  // Forms the tablet kept while offline carry the fresh token too.
  function applyToken() {
    if (!token) { return; }
    document.querySelectorAll("input[name='csrf_token']").forEach(function (input) { input.value = token; });
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      headers["X-CSRFToken"] = token;
      document.body.setAttribute("hx-headers", JSON.stringify(headers));
    } catch (ignored) { /* leave htmx's header alone */ }
  }

  function post(entry) {
    return timedFetch(F.page.say("answers-url"), {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify({
        client_id: entry.client_id, review_id: entry.review_id, position: entry.position,
        action: entry.action, answer: entry.answer, words: entry.words, method: entry.method
      })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function sendOne(entry, outcome) {
    return post(entry).then(function (reply) {
      if (reply.status === 400 && reply.body && reply.body.csrf) {
        return freshToken(true).then(function () { return post(entry); });
      }
      return reply;
    }).then(function (reply) {
      var body = reply.body || {};
      if (reply.status === 200 && body.ok) {
        outcome.confirmed[entry.client_id] = body;
        return F.queue.remove(entry.client_id);
      }
      if ((reply.status === 400 || reply.status === 409) && body.ok === false) {
        // Refused for good (not a choice of this question, or the same id with other content).
        outcome.refused[entry.client_id] = body.error || "";
        return F.queue.remove(entry.client_id);
      }
      outcome.stopped = reply.status === 401 ? "signed-out" : "server";
      outcome.problem = body.error || "";
    });
  }

  function sendAll() {
    var outcome = { confirmed: {}, refused: {}, stopped: null, problem: "" };
    return waiting().then(function (entries) {
      if (!entries.length) { return; }
      return freshToken(false).then(function () {
        return entries.reduce(function (previous, entry) {
          return previous.then(function () { if (!outcome.stopped) { return sendOne(entry, outcome); } });
        }, Promise.resolve());
      });
    }).catch(function (error) {
      outcome.stopped = error && error.message === "signed-out" ? "signed-out" : "network";
    }).then(function () {
      if (outcome.stopped) { mustRenew = true; }
      return F.status.refresh(outcome).then(function () { return outcome; });
    });
  }

  // One pass at a time (and one tab at a time where the browser has locks), in order.
  function drain() {
    var pass = function () {
      if (navigator.locks && navigator.locks.request) {
        return navigator.locks.request("facilitator-answer-queue", sendAll);
      }
      return sendAll();
    };
    chain = chain.then(pass, pass);
    return chain;
  }

  // The page's own token to begin with (renewed when it is an hour old or refused).
  function start() {
    token = pageToken();
    tokenAt = Date.now();
  }

  window.addEventListener("online", function () { drain(); });

  // ready: the queue is open (IndexedDB works here), so answers go through it.
  F.sync = { ready: false, start: start, waiting: waiting, drain: drain, applyToken: applyToken };
})();
