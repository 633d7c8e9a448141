// Moving on by itself after an answer, only when staff switched it on for the person
// (WCAG 2.2.1, timing adjustable). The delay is theirs: services/access.py renders it as the
// screen's data-advance-ms (0: the tablet waits for them) and the seconds in the countdown box
// (person/_countdown.html). The box counts down in words; its status line is said once when
// the count starts and once when it stops, never every second. Any touch, press or key stops
// it; Next then goes on when the person is ready. person/answers.js starts it and says how to
// go on.
(function () {
  "use strict";

  var running = null;

  function parts(box) {
    return {
      count: box.querySelector("[data-advance-count]"),
      said: box.querySelector("[data-advance-said]"),
      hint: box.querySelector("[data-advance-hint]"),
      extras: box.querySelectorAll("[data-advance-hint], [data-advance-stop]")
    };
  }

  // Count down on this screen, then call onDone(next); false if the person's setting is off.
  // onHold() is called when a touch or key stops the count (to show the way on).
  function start(current, onDone, onHold) {
    stop();
    var next = current && current.getAttribute("data-next-url");
    var box = current && current.querySelector("[data-advance-box]");
    var left = box ? parseInt(box.getAttribute("data-seconds"), 10) || 0 : 0;
    if (!next || !left || !(parseInt(current.getAttribute("data-advance-ms"), 10) > 0)) { return false; }
    var counts = {};
    try { counts = JSON.parse(box.getAttribute("data-counts") || "{}"); } catch (ignored) { counts = {}; }
    var el = parts(box);
    box.hidden = false;
    box.classList.remove("advance-stopped");
    el.extras.forEach(function (x) { x.hidden = false; });
    el.count.textContent = counts[left] || el.count.textContent;
    var me = { box: box, timer: null, onHold: onHold };
    running = me;
    // Said once, a moment after the box appears (a live region must be there before it speaks).
    window.setTimeout(function () {
      if (running === me) { el.said.textContent = el.count.textContent + " " + el.hint.textContent; }
    }, 200);
    me.timer = window.setInterval(function () {
      left -= 1;
      if (left <= 0) { stop(); onDone(next); return; }
      el.count.textContent = counts[left] || el.count.textContent;
    }, 1000);
    return true;
  }

  function stop() {
    if (running) { window.clearInterval(running.timer); running = null; }
  }

  // A touch, a press or a key while the count runs: it stops, and the person takes their time.
  function hold() {
    if (!running) { return; }
    var me = running;
    stop();
    var box = me.box;
    var el = parts(box);
    var stopped = box.getAttribute("data-stopped") || "";
    var hadFocus = box.contains(document.activeElement);
    box.classList.add("advance-stopped");
    el.count.textContent = stopped;
    el.said.textContent = stopped;
    el.extras.forEach(function (x) { x.hidden = true; });
    if (me.onHold) { me.onHold(); }
    var onward = document.querySelector("#main .screen-actions .button-next");
    if (hadFocus && onward) { onward.focus(); }
  }

  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    window.addEventListener(type, hold, { capture: true, passive: true });
  });

  var F = window.Facilitator = window.Facilitator || {};
  F.countdown = { start: start, stop: stop };
})();
