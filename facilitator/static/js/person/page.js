// Person mode, the page itself: what the server rendered (translated words and addresses in
// the status box), moving between screens, and the client ids of answer forms. Every person
// mode script shares the one namespace window.Facilitator; this file comes first.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

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

  function reviewId() { return Number(document.body.getAttribute("data-review") || 0); }

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

  F.page = {
    go: go, screen: screen, reviewId: reviewId, statusBox: statusBox, say: say,
    waitingText: waitingText, newId: newId, freshIds: freshIds
  };
})();
