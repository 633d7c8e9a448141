// Person mode: speech (pre-rendered audio, or the browser's own voice), autoplay,
// moving on after an answer, focus after each screen change, and no double submits.
(function () {
  "use strict";
  var player = null;

  function speak(button) {
    var src = button.getAttribute("data-audio");
    stop();
    if (src) {
      player = new Audio(src);
      button.classList.add("playing");
      player.addEventListener("ended", function () { button.classList.remove("playing"); });
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
    window.speechSynthesis.speak(utterance);
  }

  function stop() {
    if (player) { player.pause(); player = null; }
    if ("speechSynthesis" in window) { window.speechSynthesis.cancel(); }
    document.querySelectorAll(".listen.playing").forEach(function (b) { b.classList.remove("playing"); });
  }

  var advanceTimer = null;

  function setUpScreen() {
    window.clearTimeout(advanceTimer);
    var screen = document.querySelector("[data-auto-advance]");
    if (screen) {
      advanceTimer = window.setTimeout(function () {
        var next = screen.getAttribute("data-next");
        if (window.htmx) {
          window.htmx.ajax("GET", next, { target: "#main", select: "#main", swap: "outerHTML" })
            .then(function () { window.history.pushState({}, "", next); });
        } else {
          window.location.assign(next);
        }
      }, parseInt(screen.getAttribute("data-auto-advance"), 10) || 1500);
    }
    if (document.body.getAttribute("data-speech-mode") === "autoplay" && !screen) {
      var first = document.querySelector("#main .listen");
      if (first) { speak(first); }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".listen");
    if (button) { event.preventDefault(); speak(button); }
  });

  // A second tap while the first is being sent does nothing; the server also stores an
  // answer once per client id, so a resend is harmless.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sending") === "yes") { event.preventDefault(); return; }
    form.setAttribute("data-sending", "yes");
    window.setTimeout(function () { form.removeAttribute("data-sending"); }, 4000);
  });

  document.addEventListener("htmx:beforeRequest", function () { stop(); window.clearTimeout(advanceTimer); });
  document.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#main h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    setUpScreen();
  });
  document.addEventListener("DOMContentLoaded", setUpScreen);
})();
