// Facilitator's own script: small, no inline handlers (the CSP forbids inline script).
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader users hear what went wrong.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
  // Typing is being here: while a signed-in person types (a long note, a review record), tell
  // the server now and then, so that the idle limit does not sign them out mid-sentence.
  document.addEventListener("input", function () {
    var body = document.body;
    var address = body && body.getAttribute("data-still-here");
    if (!address) { return; }
    var every = parseInt(body.getAttribute("data-still-here-every"), 10) || 120000;
    var last = parseInt(body.getAttribute("data-still-here-last") || "0", 10) || performance.timeOrigin;
    var now = Date.now();
    if (now - last < every) { return; }
    body.setAttribute("data-still-here-last", String(now));
    fetch(address, { credentials: "same-origin", cache: "no-store" }).catch(function () {});
  });
})();
