// Switch access, spoken cues: when the person's setting is on, each item is said as the
// highlight reaches it, from its pre-rendered audio (data-cues) or by the browser's voice;
// never while the person is listening to a question (data-speaking, person/speech.js).
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};
  var cuePlayer = null;

  function speaking() { return document.documentElement.hasAttribute("data-speaking"); }

  function stop() {
    if (cuePlayer) { cuePlayer.pause(); cuePlayer = null; }
  }

  function sayWithBrowser(text, config) {
    if (!("speechSynthesis" in window)) { return; }
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = config.lang;
    // eSpeak's words a minute (135 normal) to the browser's rate (about 0.85 for normal).
    utterance.rate = Math.min(Math.max(config.speechRate / 160, 0.5), 1.5);
    window.speechSynthesis.speak(utterance);
  }

  function cue(el, config) {
    if (!config.cue || speaking()) { return; }
    var text = F.scanItems.labelOf(el);
    if (!text) { return; }
    config.box.setAttribute("data-last-cue", text);
    stop();
    var src = config.cues[text];
    if (src) {
      cuePlayer = new Audio(src);
      cuePlayer.play().catch(function () { sayWithBrowser(text, config); });
      return;
    }
    sayWithBrowser(text, config);
  }

  F.scanCues = { speaking: speaking, cue: cue, stop: stop };
})();
