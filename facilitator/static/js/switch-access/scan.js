// Switch access, the scanning itself. One switch: the highlight moves by itself from item to
// item at the person's rate, and a press chooses what it is on; after the last item it rests
// for one step and goes round again, and after the person's number of rounds with no press it
// stops until the next press. Two switches: step() moves the highlight, press() chooses.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var MAX_HOLD_MS = 30000; // the longest the highlight waits for speech to end
  var SCREEN_WAIT_MS = 4000; // after choosing a link or a button, how long to wait for a new screen

  var config = null;
  var items = [];
  var index = -1;
  var group = null; // the settings group being scanned inside, or null
  var timer = null;
  var rounds = 0;
  var holdSince = 0;
  var activating = false;
  var waitTimer = null;

  function setState(name) { document.documentElement.setAttribute("data-scan-state", name); }

  function reducedMotion() {
    return document.body.classList.contains("reduced-motion") ||
      (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  // --- the highlight ------------------------------------------------------------------------
  function clearHighlight() {
    document.querySelectorAll(".scan-highlight").forEach(function (el) {
      el.classList.remove("scan-highlight");
    });
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
    F.scanCues.cue(el, config);
  }

  function showMessage(text) {
    if (config.message) { config.message.textContent = text || ""; }
  }

  // --- scanning ------------------------------------------------------------------------------
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(tick, config.rate);
  }

  function tick() {
    if (F.scanCues.speaking()) {
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
    items = F.scanItems.collect();
    var at = items.indexOf(keepOn || fieldset);
    begin(at >= 0 ? at : 0);
  }

  function enterGroup(fieldset) {
    group = fieldset;
    fieldset.classList.add("scan-group");
    items = F.scanItems.groupItems(fieldset, config.exitLabel);
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

  // A new screen (or the first): the items found again, the highlight on the first one.
  function setUp() {
    if (!config) { return; }
    window.clearTimeout(timer);
    window.clearTimeout(waitTimer);
    if (group) { group.querySelectorAll(".scan-exit").forEach(function (b) { b.remove(); }); }
    group = null;
    clearHighlight();
    index = -1;
    items = F.scanItems.collect();
    if (!items.length) { setState("idle"); return; }
    begin(F.scanItems.startIndex(items));
  }

  F.scan = {
    // The person's settings (switch-access.js reads them); null: switch access is off.
    use: function (settings) { config = settings; },
    setUp: setUp, press: press, step: step, awaitScreen: awaitScreen,
    // True while a chosen item is being clicked (that click is not a press).
    activating: function () { return activating; }
  };
})();
