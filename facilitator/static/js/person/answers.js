// Person mode, answers that are never lost: an answer form's submit is caught before htmx
// sees it, the answer is kept on the tablet (offline-queue.js) and then sent (sync.js). The
// person carries on after a moment even when the network is slow; offline, the screen shows
// the answer as chosen and the way on. Without JavaScript the plain forms do everything.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var PATIENCE_MS = 3000;
  var ANSWER_PATH = /^\/person\/q\/(\d+)(\/words)?$/;
  var NO_COUNTDOWN = { start: function () { return false; }, stop: function () {} };

  function countdown() { return F.countdown || NO_COUNTDOWN; }

  // Moving on by itself (only when staff switched it on for the person): countdown.js.
  function startCountdown(current) { return countdown().start(current, F.page.go, revealNext); }

  function delay(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

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
        review_id: F.page.reviewId(),
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
    if (form.dataset.sentContent && form.dataset.sentContent !== content) { found.idInput.value = F.page.newId(); }
    form.dataset.sentContent = content;
    entry.client_id = found.idInput.value;
    clearFormProblem(form);
    F.status.saving[entry.client_id] = true;
    return F.queue.put(entry).then(function () {
      F.status.refresh();
      // The person never waits on a slow network: after a moment they carry on, and the
      // queue goes on sending in the background.
      return Promise.race([F.sync.drain(), delay(PATIENCE_MS).then(function () { return null; })])
        .then(function (outcome) { return outcome || { confirmed: {}, refused: {}, stopped: "slow" }; });
    }, function () {
      sendPlainly(form, submitter); // the tablet cannot keep it: send it the way without JavaScript
      return null;
    }).then(function (outcome) {
      delete F.status.saving[entry.client_id];
      if (!outcome) { return; }
      var id = entry.client_id;
      if (outcome.confirmed[id]) { F.page.go(outcome.confirmed[id].next); return; }
      if (outcome.refused[id]) {
        showFormProblem(form, outcome.refused[id]);
        found.idInput.value = F.page.newId();
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
    var current = F.page.screen();
    var next = current && current.getAttribute("data-next-url");
    if (entry.action === "skip") { if (next) { F.page.go(next); } return; }
    if (entry.action === "words" || !current) { F.page.go(promptUrl); return; }
    showOnScreen([entry]);
    revealNext();
    startCountdown(current);
  }

  // Answers still on the tablet for this screen are shown as given.
  function showOnScreen(entries) {
    var current = F.page.screen();
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
    var current = F.page.screen();
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

  // Captured on the window, before htmx sees the submit: answers go through the queue.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    var ready = F.sync.ready;
    if (form.dataset.plain === "yes") { return; }
    if (form.dataset.sending === "yes") { event.preventDefault(); event.stopImmediatePropagation(); return; }
    if (ready && describe(form, event.submitter)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.sending = "yes";
      save(form, event.submitter).catch(function () { /* the queue keeps it */ }).then(function () {
        delete form.dataset.sending;
      });
      return;
    }
    if (ready && form.closest("[data-hold-while-waiting]") && F.status.shown() !== 0) {
      // Known to be empty: the form goes as it is. Not known yet: look first.
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.sending = "yes";
      F.sync.waiting().then(function (entries) {
        if (entries.length) { delete form.dataset.sending; F.status.refresh(); return; }
        HTMLFormElement.prototype.submit.call(form);
      });
      return;
    }
    // A second tap while the first is being sent does nothing.
    form.dataset.sending = "yes";
    window.setTimeout(function () { delete form.dataset.sending; }, 4000);
  }, true);

  F.answers = {
    showOnScreen: showOnScreen, revealNext: revealNext, startCountdown: startCountdown,
    countdown: countdown
  };
})();
