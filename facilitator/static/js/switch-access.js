// Switch access in person mode.
//
// One switch: a highlight moves by itself from choice to choice at the person's rate, and a
// press chooses what it is on. After the last item it rests for one step and goes round
// again; after the person's number of rounds with no press it stops until the next press.
// Two switches: one switch moves the highlight, the other chooses.
// Answers come first, then Next, Listen, Tell me more, Skip, Back, Break and Help. On the
// settings screen each group of settings is one item; choosing it scans inside the group.
//
// The person's settings come from data- attributes (person/_switch_access.html). With "touch"
// this file only makes Enter tick a choose-many answer, as Space does; without JavaScript every
// page works by touch and keyboard as it is. Re-initialised after each htmx swap.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250; // a tremor or a bouncing switch is one press
  var MAX_HOLD_MS = 30000; // the longest the highlight waits for speech to end
  var SCREEN_WAIT_MS = 4000; // after choosing a link or a button, how long to wait for a new screen

  var config = null;
  var items = [];
  var index = -1;
  var group = null; // the settings group being scanned inside, or null
  var timer = null;
  var rounds = 0;
  var lastPress = 0;
  var holdSince = 0;
  var activating = false;
  var waitTimer = null;
  var cuePlayer = null;

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

  function setState(name) { document.documentElement.setAttribute("data-scan-state", name); }

  function reducedMotion() {
    return document.body.classList.contains("reduced-motion") ||
      (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  // --- what can be highlighted, in order ----------------------------------------------------
  var CANDIDATES = "a[href], button, label.answer, label.choice, fieldset.setting";
  var LEFT_OUT = ".facilitator-area, fieldset.capture, template, [hidden], [inert]";

  function visible(el) {
    return el.getClientRects().length > 0 && window.getComputedStyle(el).visibility !== "hidden";
  }

  function usable(el) {
    if (el.closest(LEFT_OUT) || el.disabled || !visible(el)) { return false; }
    if (el.matches("button") && el.closest("label")) { return false; }
    return true;
  }

  function path(el) {
    try { return new URL(el.href, window.location.href).pathname; } catch (ignored) { return ""; }
  }

  // Lower ranks first; the same rank keeps the page's order.
  function rank(el) {
    if (el.matches(".answer, fieldset.setting")) { return 0; }
    if (el.matches(".button-next, .button-big, button[type='submit']:not([value='skip'])")) { return 1; }
    if (el.closest(".more-choices")) { return 2; }
    if (el.matches(".listen")) { return 3; }
    if (el.matches("a") && /\/words$/.test(path(el))) { return 4; }
    if (el.matches("button[value='skip']")) { return 5; }
    if (el.matches("a") && /\/break$/.test(path(el))) { return 7; }
    if (el.matches(".help-link")) { return 8; }
    return 6;
  }

  function collect() {
    var main = document.getElementById("main");
    if (!main) { return []; }
    var found = Array.prototype.slice.call(main.querySelectorAll(CANDIDATES)).filter(function (el) {
      // Inside a settings group, only the group itself is an item until it is chosen.
      return usable(el) && !(el.matches("label.choice") && el.closest("fieldset.setting"));
    });
    var help = document.querySelector(".person-help .help-link");
    if (help && usable(help)) { found.push(help); }
    return found.map(function (el, i) { return { el: el, rank: rank(el), order: i }; })
      .sort(function (a, b) { return a.rank - b.rank || a.order - b.order; })
      .map(function (entry) { return entry.el; });
  }

  function groupItems(fieldset) {
    var list = Array.prototype.slice.call(fieldset.querySelectorAll("label.choice")).filter(usable);
    var exit = document.createElement("button");
    exit.type = "button";
    exit.className = "button button-secondary scan-exit";
    exit.textContent = config.exitLabel;
    fieldset.appendChild(exit);
    list.push(exit);
    return list;
  }

  // Where the highlight starts: on Next just after an answer, otherwise on the first item.
  function startIndex() {
    var main = document.getElementById("main");
    if (main && main.querySelector(".answered-note")) {
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].matches(".button-next")) { return i; }
      }
    }
    return 0;
  }

  // --- the highlight ------------------------------------------------------------------------
  function clearHighlight() {
    document.querySelectorAll(".scan-highlight").forEach(function (el) {
      el.classList.remove("scan-highlight");
    });
  }

  function labelOf(el) {
    var part = el.querySelector(".answer-label") || el.querySelector("legend");
    var text = part ? part.textContent : (el.getAttribute("aria-label") || el.textContent);
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function highlight(i) {
    clearHighlight();
    index = i;
    var el = items[i];
    if (!el) { index = -1; return; }
    el.classList.add("scan-highlight");
    if (el.scrollIntoView) {
      el.scrollIntoView({ block: "nearest", inline: "nearest", behavior: reducedMotion() ? "auto" : "smooth" });
    }
    cue(el);
  }

  function showMessage(text) {
    if (config.message) { config.message.textContent = text || ""; }
  }

  // --- spoken cues ---------------------------------------------------------------------------
  function speaking() { return document.documentElement.hasAttribute("data-speaking"); }

  function stopCue() {
    if (cuePlayer) { cuePlayer.pause(); cuePlayer = null; }
  }

  function sayWithBrowser(text) {
    if (!("speechSynthesis" in window)) { return; }
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = config.lang;
    // eSpeak's words a minute (135 normal) to the browser's rate (about 0.85 for normal).
    utterance.rate = Math.min(Math.max(config.speechRate / 160, 0.5), 1.5);
    window.speechSynthesis.speak(utterance);
  }

  function cue(el) {
    if (!config.cue || speaking()) { return; }
    var text = labelOf(el);
    if (!text) { return; }
    config.box.setAttribute("data-last-cue", text);
    stopCue();
    var src = config.cues[text];
    if (src) {
      cuePlayer = new Audio(src);
      cuePlayer.play().catch(function () { sayWithBrowser(text); });
      return;
    }
    sayWithBrowser(text);
  }

  // --- scanning ------------------------------------------------------------------------------
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(tick, config.rate);
  }

  function tick() {
    if (speaking()) {
      // The person is listening: the highlight stays where it is (for a while at most).
      holdSince = holdSince || Date.now();
      if (Date.now() - holdSince < MAX_HOLD_MS) { schedule(); return; }
    }
    holdSince = 0;
    if (index >= items.length - 1) {
      // The end of a round: rest for one step, go round again, or wait for a press.
      clearHighlight();
      index = -1;
      rounds += 1;
      if (rounds >= config.rounds) { stopScanning(); return; }
      setState("between-rounds");
      schedule();
      return;
    }
    setState("scanning");
    highlight(index + 1);
    schedule();
  }

  function stopScanning() {
    window.clearTimeout(timer);
    clearHighlight();
    index = -1;
    setState("stopped");
    showMessage(config.message && config.message.getAttribute("data-stopped"));
  }

  function begin(at) {
    window.clearTimeout(timer);
    window.clearTimeout(waitTimer);
    rounds = 0;
    holdSince = 0;
    showMessage("");
    setState("scanning");
    highlight(at);
    if (config.method === "scan") { schedule(); }
  }

  function leaveGroup(keepOn) {
    if (!group) { return; }
    var fieldset = group;
    group = null;
    fieldset.classList.remove("scan-group");
    fieldset.querySelectorAll(".scan-exit").forEach(function (b) { b.remove(); });
    items = collect();
    var at = items.indexOf(keepOn || fieldset);
    begin(at >= 0 ? at : 0);
  }

  function enterGroup(fieldset) {
    group = fieldset;
    fieldset.classList.add("scan-group");
    items = groupItems(fieldset);
    begin(0);
  }

  // A link or a submit button brings a new screen: wait for it (re-initialised on settle).
  function awaitScreen() {
    window.clearTimeout(timer);
    setState("waiting");
    window.clearTimeout(waitTimer);
    waitTimer = window.setTimeout(function () { setUp(); }, SCREEN_WAIT_MS);
  }

  function activate(el) {
    if (el.matches("fieldset.setting")) { enterGroup(el); return; }
    if (el.matches(".scan-exit")) { leaveGroup(); return; }
    var navigates = el.matches("a[href]") || (el.matches("button") && el.type === "submit");
    activating = true;
    try { el.click(); } finally { activating = false; }
    if (group) { leaveGroup(); return; }
    if (navigates) { awaitScreen(); return; }
    // A tick box or Listen: carry on from here.
    rounds = 0;
    if (config.method === "scan") { schedule(); }
  }

  function press() {
    if (config.method === "step") { choose(); return; }
    if (index < 0) { begin(0); return; } // stopped or resting: start again from the first
    choose();
  }

  function choose() {
    var el = items[index];
    if (!el || !document.contains(el)) { setUp(); return; }
    activate(el);
  }

  function step() {
    if (!items.length) { return; }
    showMessage("");
    setState("scanning");
    highlight(index < 0 || index >= items.length - 1 ? 0 : index + 1);
  }

  function setUp() {
    if (!config) { return; }
    window.clearTimeout(timer);
    window.clearTimeout(waitTimer);
    if (group) { group.querySelectorAll(".scan-exit").forEach(function (b) { b.remove(); }); }
    group = null;
    clearHighlight();
    index = -1;
    items = collect();
    if (!items.length) { setState("idle"); return; }
    begin(startIndex());
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
    if (config.method === "step" && keyName(event) === config.stepKey) { step(); return; }
    press();
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
    if (!config || !config.tap || activating) { return; }
    if (outside(event.target)) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (bounced()) { return; }
    press();
  }

  window.addEventListener("keydown", onKeyDown, true);
  window.addEventListener("keyup", onKeyUp, true);
  window.addEventListener("click", onClick, true);
  document.addEventListener("htmx:beforeRequest", function () {
    if (config) { stopCue(); awaitScreen(); }
  });
  document.addEventListener("htmx:afterSettle", setUp);
  document.addEventListener("htmx:historyRestore", setUp);

  function start() {
    config = readConfig();
    if (!config) { return; }
    document.documentElement.setAttribute("data-switch-method", config.method);
    setUp();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
