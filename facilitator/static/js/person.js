// Person mode: speech (pre-rendered audio, or the browser's own voice), autoplay, moving on
// after an answer (only when staff switched it on, counted down, stopped by any touch or key),
// focus after each screen change, no double submits, and answers that are
// never lost: each is kept on the tablet (IndexedDB) before it is sent, and sent again until
// the server confirms it. Without JavaScript the plain forms do everything.
(function () {
  "use strict";

  // --- speech ---------------------------------------------------------------------------
  var player = null;

  // While the person listens, switch-access.js holds its scanning highlight still.
  function speaking(on) { document.documentElement.toggleAttribute("data-speaking", on); }

  function speak(button) {
    var src = button.getAttribute("data-audio");
    stop();
    if (src) {
      player = new Audio(src);
      button.classList.add("playing");
      speaking(true);
      player.addEventListener("ended", function () { button.classList.remove("playing"); speaking(false); });
      player.play().catch(function () { button.classList.remove("playing"); sayWithBrowser(button); });
      return;
    }
    sayWithBrowser(button);
  }

  function sayWithBrowser(button) {
    if (!("speechSynthesis" in window)) { return; }
    var utterance = new SpeechSynthesisUtterance(button.getAttribute("data-say") || "");
    utterance.lang = button.getAttribute("data-lang") || document.documentElement.lang;
    utterance.rate = 0.85;
    utterance.onend = utterance.onerror = function () { speaking(false); };
    speaking(true);
    window.speechSynthesis.speak(utterance);
  }

  function stop() {
    if (player) { player.pause(); player = null; }
    if ("speechSynthesis" in window) { window.speechSynthesis.cancel(); }
    speaking(false);
    document.querySelectorAll(".listen.playing").forEach(function (b) { b.classList.remove("playing"); });
  }

  // --- moving between screens -------------------------------------------------------------
  function go(url) {
    if (!window.htmx) { window.location.assign(url); return; }
    var before = document.getElementById("main");
    window.htmx.ajax("GET", url, { target: "#main", select: "#main", swap: "outerHTML show:window:top" })
      .then(function () {
        if (document.getElementById("main") !== before) { window.history.pushState({ htmx: true }, "", url); }
      });
  }

  function screen() { return document.querySelector("#main .screen-prompt"); }

  // Moving on by itself (only when staff switched it on for the person): countdown.js.
  var Countdown = window.FacilitatorCountdown || { start: function () { return false; }, stop: function () {} };

  function startCountdown(current) { return Countdown.start(current, go, revealNext); }

  // --- the strings and addresses the server rendered (translated) --------------------------
  function statusBox() { return document.querySelector("[data-sync-status]"); }

  function say(name) {
    var box = statusBox();
    return (box && box.getAttribute("data-" + name)) || "";
  }

  function waitingText(count) {
    var box = statusBox();
    var forms = {};
    try { forms = JSON.parse(box.getAttribute("data-waiting") || "{}"); } catch (ignored) { forms = {}; }
    var tag = count === 1 ? "one" : "other";
    if (window.Intl && window.Intl.PluralRules) {
      try { tag = new window.Intl.PluralRules(box.getAttribute("data-lang") || "en").select(count); } catch (ignored) { /* keep the default */ }
    }
    var form = forms[tag] || forms.other || forms.one || "";
    return form.replace("{n}", String(count));
  }

  // --- client ids: one per screen render, and a new one only when the answer changes -------
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // A page the tablet kept while offline still carries the id it was rendered with; every
  // render gets new ids here, so an answer given twice on two visits is two answers.
  function freshIds() {
    document.querySelectorAll("#main form input[name='client_id']").forEach(function (input) {
      input.value = newId();
      if (input.form) { delete input.form.dataset.sentContent; }
    });
  }

  // --- the queue ----------------------------------------------------------------------------
  var Queue = window.FacilitatorQueue;
  var queueReady = false;
  var saving = {}; // client ids of answers this screen is waiting on (their problems show there)
  var ANSWER_PATH = /^\/person\/q\/(\d+)(\/words)?$/;

  function reviewId() { return Number(document.body.getAttribute("data-review") || 0); }

  function waiting() {
    if (!queueReady) { return Promise.resolve([]); }
    var review = reviewId();
    return Queue.all().then(function (list) {
      return list.filter(function (entry) { return entry.review_id === review; });
    }, function () { return []; });
  }

  // What an answer form holds, or null for any other form.
  function describe(form, submitter) {
    var idInput = form.querySelector("input[name='client_id']");
    if (!idInput || (form.getAttribute("method") || "").toLowerCase() !== "post") { return null; }
    // Attributes, never properties: a control named "action" (the Next and Skip buttons)
    // shadows form.action, as one named "method" (the capture method) shadows form.method.
    var path = new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
    var match = ANSWER_PATH.exec(path);
    if (!match) { return null; }
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var action = match[2] ? "words" : (data.get("action") || "answer");
    // Nothing chosen, or no words: the server's own page says what is missing.
    if (action === "answer" && !data.getAll("answer").length) { return null; }
    if (action === "words" && !String(data.get("words") || "").trim()) { return null; }
    return {
      idInput: idInput,
      promptUrl: path.replace(/\/words$/, ""),
      entry: {
        review_id: reviewId(),
        position: Number(match[1]),
        action: action,
        answer: action === "answer" ? data.getAll("answer").map(String) : [],
        words: action === "words" ? String(data.get("words") || "") : "",
        method: action === "words" ? String(data.get("method") || "typed") : ""
      }
    };
  }

  function save(form, submitter) {
    var found = describe(form, submitter);
    var entry = found.entry;
    var content = JSON.stringify([entry.action, entry.answer, entry.words, entry.method]);
    // The same answer again (a double tap, a resend) keeps its id; a change of mind on the
    // same screen is a new answer with a new id, which the server stores after the first.
    if (form.dataset.sentContent && form.dataset.sentContent !== content) { found.idInput.value = newId(); }
    form.dataset.sentContent = content;
    entry.client_id = found.idInput.value;
    clearFormProblem(form);
    saving[entry.client_id] = true;
    return Queue.put(entry).then(function () {
      refreshStatus();
      // The person never waits on a slow network: after a moment they carry on, and the
      // queue goes on sending in the background.
      return Promise.race([drain(), delay(PATIENCE_MS).then(function () { return null; })])
        .then(function (outcome) { return outcome || { confirmed: {}, refused: {}, stopped: "slow" }; });
    }, function () {
      sendPlainly(form, submitter); // the tablet cannot keep it: send it the way without JavaScript
      return null;
    }).then(function (outcome) {
      delete saving[entry.client_id];
      if (!outcome) { return; }
      var id = entry.client_id;
      if (outcome.confirmed[id]) { go(outcome.confirmed[id].next); return; }
      if (outcome.refused[id]) {
        showFormProblem(form, outcome.refused[id]);
        found.idInput.value = newId();
        delete form.dataset.sentContent;
        return;
      }
      carryOn(entry, found.promptUrl);
    });
  }

  function sendPlainly(form, submitter) {
    form.dataset.plain = "yes";
    delete form.dataset.sending;
    // The prototype's own methods: a control could shadow them too.
    if (HTMLFormElement.prototype.requestSubmit) {
      HTMLFormElement.prototype.requestSubmit.call(form, submitter || undefined);
    } else {
      HTMLFormElement.prototype.submit.call(form);
    }
    delete form.dataset.plain;
  }

  // Offline (or the server is away): show the answer as chosen and let the person carry on.
  function carryOn(entry, promptUrl) {
    var current = screen();
    var next = current && current.getAttribute("data-next-url");
    if (entry.action === "skip") { if (next) { go(next); } return; }
    if (entry.action === "words" || !current) { go(promptUrl); return; }
    showOnScreen([entry]);
    revealNext();
    startCountdown(current);
  }

  // Answers still on the tablet for this screen are shown as given.
  function showOnScreen(entries) {
    var current = screen();
    if (!current || !entries.length) { return; }
    var choices = entries.filter(function (e) { return e.action !== "words"; });
    if (choices.length) { markChoice(current, choices[choices.length - 1]); }
    var note = document.getElementById("saved-on-tablet");
    var form = current.querySelector("form.answer-form, form.words-form");
    if (note && form && !current.querySelector(".offline-saved")) {
      current.querySelectorAll(".answered-note").forEach(function (old) { old.remove(); });
      form.parentNode.insertBefore(note.content.cloneNode(true), form);
    }
  }

  function markChoice(current, entry) {
    var chosen = entry.action === "skip" ? [] : entry.answer;
    current.querySelectorAll("button.answer").forEach(function (button) {
      var on = chosen.indexOf(button.value) >= 0;
      button.classList.toggle("chosen", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    current.querySelectorAll("label.answer input[type='checkbox']").forEach(function (box) {
      box.checked = chosen.indexOf(box.value) >= 0;
      box.closest("label").classList.toggle("chosen", box.checked);
    });
  }

  function revealNext() {
    var current = screen();
    var template = document.getElementById("offline-next");
    var actions = current && current.querySelector(".screen-actions");
    if (template && actions && !actions.querySelector(".button-next")) {
      actions.appendChild(template.content.cloneNode(true));
    }
  }

  function clearFormProblem(form) {
    form.querySelectorAll(".sync-refused").forEach(function (p) { p.remove(); });
  }

  function showFormProblem(form, message) {
    var p = document.createElement("p");
    p.className = "error-message sync-refused";
    p.setAttribute("role", "alert");
    p.textContent = message;
    form.insertBefore(p, form.firstChild);
  }

  // --- sending the queue ---------------------------------------------------------------------
  var TOKEN_AGE_MS = 60 * 60 * 1000;
  var PATIENCE_MS = 3000;
  var REQUEST_TIMEOUT_MS = 10000;
  var token = null;
  var tokenAt = 0;
  var mustRenew = false;
  var chain = Promise.resolve();

  function delay(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

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
    return timedFetch(say("token-url"), { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
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
    return timedFetch(say("answers-url"), {
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
        return Queue.remove(entry.client_id);
      }
      if ((reply.status === 400 || reply.status === 409) && body.ok === false) {
        // Refused for good (not a choice of this question, or the same id with other content).
        outcome.refused[entry.client_id] = body.error || "";
        return Queue.remove(entry.client_id);
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
      return refreshStatus(outcome).then(function () { return outcome; });
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

  // --- what the facilitator sees ---------------------------------------------------------------
  var shown = -1;
  var clearTimer = null;

  function refreshStatus(outcome) {
    return waiting().then(function (entries) {
      var count = entries.length;
      var box = statusBox();
      var message = box && box.querySelector("[data-sync-message]");
      var problem = box && box.querySelector("[data-sync-problem]");
      if (message && count !== shown) {
        window.clearTimeout(clearTimer);
        if (count > 0) {
          message.textContent = waitingText(count);
        } else if (shown > 0) {
          message.textContent = say("all-sent");
          clearTimer = window.setTimeout(function () { message.textContent = ""; }, 8000);
        } else {
          message.textContent = "";
        }
        box.classList.toggle("sync-waiting", count > 0);
      }
      if (problem && outcome) { problem.textContent = problemText(outcome, count); }
      var before = shown;
      shown = count;
      holdForms(count);
      noteIncompleteSummary(count);
      noteSent(entries);
      if (before > 0 && count === 0 && document.querySelector("#main .summary-list") && window.htmx) {
        // "Is this right?" now shows every answer.
        window.htmx.ajax("GET", window.location.pathname, { target: "#main", select: "#main", swap: "outerHTML" });
      }
      return count;
    });
  }

  function problemText(outcome, count) {
    var refused = Object.keys(outcome.refused).filter(function (id) { return !saving[id]; });
    if (refused.length) {
      return say("refused").replace("{reason}", outcome.refused[refused[0]]);
    }
    if (outcome.stopped === "signed-out" && count > 0) { return say("signed-out"); }
    if (outcome.stopped === "server" && outcome.problem && count > 0) { return outcome.problem; }
    return "";
  }

  // Leaving person mode (unlock, confirm) waits until every answer is on the server.
  function holdForms(count) {
    document.querySelectorAll("#main [data-hold-while-waiting]").forEach(function (area) {
      var note = area.querySelector(".sync-held");
      if (count > 0) {
        area.querySelectorAll("input, button, select, textarea").forEach(function (control) {
          if (!control.disabled) { control.disabled = true; control.setAttribute("data-held", "yes"); }
        });
        if (!note) {
          note = document.createElement("p");
          note.className = "sync-held";
          area.insertBefore(note, area.firstChild);
        }
        note.textContent = say("held");
      } else {
        area.querySelectorAll("[data-held]").forEach(function (control) {
          control.disabled = false;
          control.removeAttribute("data-held");
        });
        if (note) { note.remove(); }
      }
    });
  }

  // "Saved on this tablet" becomes "Saved." once the server has this screen's answers.
  function noteSent(entries) {
    var current = screen();
    var note = current && current.querySelector(".offline-saved [data-sent]");
    if (!note) { return; }
    var position = Number(current.getAttribute("data-position"));
    if (!entries.some(function (e) { return e.position === position; })) {
      note.textContent = note.getAttribute("data-sent");
    }
  }

  function noteIncompleteSummary(count) {
    var list = document.querySelector("#main .summary-list");
    if (!list) { return; }
    var note = document.querySelector("#main .sync-incomplete");
    if (count > 0 && !note) {
      note = document.createElement("p");
      note.className = "sync-held sync-incomplete";
      note.textContent = say("check-incomplete");
      list.parentNode.insertBefore(note, list);
    } else if (count === 0 && note) {
      note.remove();
    }
  }

  // --- keeping the review on the tablet ---------------------------------------------------------
  function keepReviewOnTablet() {
    var box = statusBox();
    if (!box || !("serviceWorker" in navigator) || !window.isSecureContext) { return; }
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "precached") { return; }
      var root = document.documentElement;
      root.setAttribute("data-offline-pages", String(data.pages));
      root.setAttribute("data-offline-assets", String(data.assets));
      root.setAttribute("data-offline-bytes", String(data.bytes));
      root.setAttribute("data-offline-ready", "yes");
    });
    navigator.serviceWorker.register(say("sw-url"), { scope: say("sw-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        if (registration.active) { registration.active.postMessage({ type: "precache" }); }
      })
      .catch(function () { /* the tablet works online without it */ });
  }

  // --- each screen ---------------------------------------------------------------------------
  function setUpScreen() {
    Countdown.stop();
    freshIds();
    applyToken();
    var current = screen();
    var counting = current && current.getAttribute("data-just-answered") === "yes" && startCountdown(current);
    if (document.body.getAttribute("data-speech-mode") === "autoplay" && !counting) {
      var first = document.querySelector("#main .listen");
      if (first) { speak(first); }
    }
    if (current) {
      var position = Number(current.getAttribute("data-position"));
      waiting().then(function (entries) {
        var here = entries.filter(function (e) { return e.position === position; });
        if (here.length && screen() === current) {
          showOnScreen(here);
          revealNext();
        }
      });
    }
    refreshStatus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".listen");
    if (button) { event.preventDefault(); speak(button); }
  });

  // Captured on the window, before htmx sees the submit: answers go through the queue.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.plain === "yes") { return; }
    if (form.dataset.sending === "yes") { event.preventDefault(); event.stopImmediatePropagation(); return; }
    if (queueReady && describe(form, event.submitter)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.sending = "yes";
      save(form, event.submitter).catch(function () { /* the queue keeps it */ }).then(function () {
        delete form.dataset.sending;
      });
      return;
    }
    if (queueReady && form.closest("[data-hold-while-waiting]") && shown !== 0) {
      // Known to be empty: the form goes as it is. Not known yet: look first.
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.sending = "yes";
      waiting().then(function (entries) {
        if (entries.length) { delete form.dataset.sending; refreshStatus(); return; }
        HTMLFormElement.prototype.submit.call(form);
      });
      return;
    }
    // A second tap while the first is being sent does nothing.
    form.dataset.sending = "yes";
    window.setTimeout(function () { delete form.dataset.sending; }, 4000);
  }, true);

  document.addEventListener("htmx:beforeRequest", function () { stop(); Countdown.stop(); });
  document.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#main h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    setUpScreen();
  });
  function showProblem(name) {
    var problem = document.querySelector("[data-sync-problem]");
    if (problem) { problem.textContent = say(name); }
  }
  document.addEventListener("htmx:sendError", function () { showProblem("needs-wifi"); });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 503 && xhr.statusText === "Offline") { showProblem("not-on-tablet"); }
  });
  document.addEventListener("htmx:beforeSwap", function () {
    var problem = document.querySelector("[data-sync-problem]");
    if (problem) { problem.textContent = ""; }
  });
  window.addEventListener("online", function () { drain(); });

  function start() {
    token = pageToken();
    tokenAt = Date.now();
    if (Queue) {
      Queue.ready().then(function () {
        queueReady = true;
        setUpScreen();
        drain();
      }, function () { setUpScreen(); });
    } else {
      setUpScreen();
    }
    keepReviewOnTablet();
    window.setInterval(function () { if (queueReady && shown > 0) { drain(); } }, 15000);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
