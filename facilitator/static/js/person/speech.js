// Person mode, speech: a Listen button plays its pre-rendered audio, or the browser's own
// voice says its words when there is none (or it cannot play). While the person listens,
// switch access holds its scanning highlight still (the data-speaking attribute).
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};
  var player = null;

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

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".listen");
    if (button) { event.preventDefault(); speak(button); }
  });

  F.speech = { speak: speak, stop: stop };
})();
