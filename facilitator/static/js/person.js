// Person mode: each screen set up as it arrives (new client ids, the fresh token, focus on
// its heading, autoplay, moving on after an answer when staff switched it on, the answers
// still on the tablet shown as given), and the review kept on the tablet for when the wifi
// drops (the service worker, sw.js). The jobs live in small scripts loaded before this one,
// sharing window.Facilitator (person/layout.html lists them; no build step):
//   person/page.js     what the server rendered, moving between screens, client ids
//   person/speech.js   Listen: pre-rendered audio or the browser's voice
//   offline-queue.js   the tablet's queue of answers (IndexedDB)
//   person/sync.js     sending the queue to the server
//   person/status.js   what the facilitator sees: waiting answers, problems, held forms
//   person/answers.js  answer forms go through the queue
//   countdown.js       moving on by itself
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  function setUpScreen() {
    F.answers.countdown().stop();
    F.page.freshIds();
    F.sync.applyToken();
    var current = F.page.screen();
    var counting = current && current.getAttribute("data-just-answered") === "yes" && F.answers.startCountdown(current);
    if (document.body.getAttribute("data-speech-mode") === "autoplay" && !counting) {
      var first = document.querySelector("#main .listen");
      if (first) { F.speech.speak(first); }
    }
    if (current) {
      var position = Number(current.getAttribute("data-position"));
      F.sync.waiting().then(function (entries) {
        var here = entries.filter(function (e) { return e.position === position; });
        if (here.length && F.page.screen() === current) {
          F.answers.showOnScreen(here);
          F.answers.revealNext();
        }
      });
    }
    F.status.refresh();
  }

  // --- keeping the review on the tablet ---------------------------------------------------------
  function keepReviewOnTablet() {
    var say = F.page.say;
    if (!F.page.statusBox() || !("serviceWorker" in navigator) || !window.isSecureContext) { return; }
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

  document.addEventListener("htmx:beforeRequest", function () { F.speech.stop(); F.answers.countdown().stop(); });
  document.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#main h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    setUpScreen();
  });

  function start() {
    F.sync.start();
    if (F.queue) {
      F.queue.ready().then(function () {
        F.sync.ready = true;
        setUpScreen();
        F.sync.drain();
      }, function () { setUpScreen(); });
    } else {
      setUpScreen();
    }
    keepReviewOnTablet();
    window.setInterval(function () { if (F.sync.ready && F.status.shown() > 0) { F.sync.drain(); } }, 15000);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
