// Switch access, what can be highlighted and in which order: answers first, then Next,
// Listen, Tell me more, Skip, Back, Break and Help. On the settings screen each group of
// settings is one item; choosing it scans the choices inside the group, then a way out.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

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

  // The choices of a settings group, and a button (labelled exitLabel) that leaves it.
  function groupItems(fieldset, exitLabel) {
    var list = Array.prototype.slice.call(fieldset.querySelectorAll("label.choice")).filter(usable);
    var exit = document.createElement("button");
    exit.type = "button";
    exit.className = "button button-secondary scan-exit";
    exit.textContent = exitLabel;
    fieldset.appendChild(exit);
    list.push(exit);
    return list;
  }

  // Where the highlight starts: on Next just after an answer, otherwise on the first item.
  function startIndex(items) {
    var main = document.getElementById("main");
    if (main && main.querySelector(".answered-note")) {
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].matches(".button-next")) { return i; }
      }
    }
    return 0;
  }

  // The words of an item, as its spoken cue says them.
  function labelOf(el) {
    var part = el.querySelector(".answer-label") || el.querySelector("legend");
    var text = part ? part.textContent : (el.getAttribute("aria-label") || el.textContent);
    return (text || "").replace(/\s+/g, " ").trim();
  }

  F.scanItems = { collect: collect, groupItems: groupItems, startIndex: startIndex, labelOf: labelOf };
})();
