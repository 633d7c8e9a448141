// Switch access in person mode: the switches themselves (keys, or a tap anywhere on the
// screen), read with a debounce so a tremor or a bouncing switch is one press.
//
// The person's settings come from data- attributes (person/_switch_access.html). With "touch"
// this file only makes Enter tick a choose-many answer, as Space does; without JavaScript every
// page works by touch and keyboard as it is. Re-initialised after each htmx swap. The jobs live
// in small scripts loaded before this one, sharing window.Facilitator (no build step):
//   switch-access/items.js   what can be highlighted, in which order
//   switch-access/cues.js    each item said as the highlight reaches it
//   switch-access/scan.js    the highlight moving, rounds, settings groups, choosing
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var DEBOUNCE_MS = 250; // a tremor or a bouncing switch is one press
  var config = null;
  var lastPress = 0;

  // --- settings --------------------------------------------------------------------------
  function readConfig() {
    var box = document.querySelector("[data-switch-access]");
    if (!box) { return null; }
    var method = box.getAttribute("data-method");
    if (method !== "scan" && method !== "step") { return null; }
    var cues = {};
    try { cues = JSON.parse(box.getAttribute("data-cues") || "{}"); } catch (ignored) { cues = {}; }
    var rate = parseInt(box.getAttribute("data-rate"), 10) || 2000;
    return {
      box: box,
      method: method,
      rate: Math.min(Math.max(rate, 750), 5000),
      rounds: Math.max(parseInt(box.getAttribute("data-rounds"), 10) || 2, 1),
      stepKey: box.getAttribute("data-step-key") || "Space",
      selectKey: box.getAttribute("data-select-key") || "Enter",
      cue: box.getAttribute("data-cue") === "on",
      tap: box.getAttribute("data-tap") === "on" && method === "scan",
      speechRate: parseInt(box.getAttribute("data-speech-rate"), 10) || 135,
      lang: box.getAttribute("data-lang") || document.documentElement.lang,
      exitLabel: box.getAttribute("data-exit-label") || "Back",
      cues: cues,
      message: box.querySelector("[data-switch-message]")
    };
  }

  // --- the switches ------------------------------------------------------------------------------
  function keyName(event) {
    return event.key === " " || event.key === "Spacebar" ? "Space" : event.key;
  }

  function outside(target) {
    return !target || !target.closest || typingIn(target) || Boolean(target.closest(".facilitator-area"));
  }

  function typingIn(target) {
    if (!target || !target.matches) { return false; }
    if (target.matches("textarea, select, [contenteditable], [contenteditable] *")) { return true; }
    if (target.matches("input")) {
      return ["radio", "checkbox", "button", "submit", "reset", "image"].indexOf(target.type) < 0;
    }
    return false;
  }

  function isSwitchKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return false; }
    var key = keyName(event);
    return key === config.stepKey || key === config.selectKey;
  }

  // A second press within DEBOUNCE_MS of the last is the switch bouncing, not the person.
  function bounced() {
    var now = Date.now();
    if (now - lastPress < DEBOUNCE_MS) { return true; }
    lastPress = now;
    document.documentElement.setAttribute("data-switch-pressed-at", String(now));
    return false;
  }

  function onKeyDown(event) {
    if (!config) {
      enterTicks(event);
      return;
    }
    if (!isSwitchKey(event) || outside(event.target)) {
      enterTicks(event);
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (event.repeat) { return; } // a switch held down is one press
    if (bounced()) { return; }
    if (config.method === "step" && keyName(event) === config.stepKey) { F.scan.step(); return; }
    F.scan.press();
  }

  function onKeyUp(event) {
    // Space activates a button on key up: a switch key never does anything but switch.
    if (config && isSwitchKey(event) && !outside(event.target)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  // Keyboard: Enter ticks a choose-many answer, as Space does.
  function enterTicks(event) {
    var target = event.target;
    if (event.key !== "Enter" || !target || !target.matches || !target.matches("label.answer input[type='checkbox']")) { return; }
    event.preventDefault();
    target.click();
  }

  // One switch, "touch anywhere": a tap on the screen is a press, never a tap on what is under it.
  function onClick(event) {
    if (!config || !config.tap || F.scan.activating()) { return; }
    if (outside(event.target)) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (bounced()) { return; }
    F.scan.press();
  }

  window.addEventListener("keydown", onKeyDown, true);
  window.addEventListener("keyup", onKeyUp, true);
  window.addEventListener("click", onClick, true);
  document.addEventListener("htmx:beforeRequest", function () {
    if (config) { F.scanCues.stop(); F.scan.awaitScreen(); }
  });
  document.addEventListener("htmx:afterSettle", function () { F.scan.setUp(); });
  document.addEventListener("htmx:historyRestore", function () { F.scan.setUp(); });

  function start() {
    config = readConfig();
    F.scan.use(config);
    if (!config) { return; }
    document.documentElement.setAttribute("data-switch-method", config.method);
    F.scan.setUp();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
