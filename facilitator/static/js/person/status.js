// Person mode, what the facilitator sees: how many answers still wait on the tablet, a
// problem in sending them, the forms that leave person mode held back until every answer is
// on the server, and "Saved on this tablet" turning into "Saved." (the status box,
// person/_offline_status.html, holds the translated words).
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};

  var shown = -1; // answers waiting when last shown (-1: not looked yet)
  var clearTimer = null;
  var saving = {}; // client ids of answers this screen is waiting on (their problems show there)

  function refresh(outcome) {
    return F.sync.waiting().then(function (entries) {
      var count = entries.length;
      var box = F.page.statusBox();
      var message = box && box.querySelector("[data-sync-message]");
      var problem = box && box.querySelector("[data-sync-problem]");
      if (message && count !== shown) {
        window.clearTimeout(clearTimer);
        if (count > 0) {
          message.textContent = F.page.waitingText(count);
        } else if (shown > 0) {
          message.textContent = F.page.say("all-sent");
          clearTimer = window.setTimeout(function () { message.textContent = ""; }, 8000);
        } else {
          message.textContent = "";
        }
        box.classList.toggle("sync-waiting", count > 0);
      }
      if (problem && outcome) { problem.textContent = problemText(outcome, count); }
      var before = shown;
      shown = count;
      holdForms(count);
      noteIncompleteSummary(count);
      noteSent(entries);
      if (before > 0 && count === 0 && document.querySelector("#main .summary-list") && window.htmx) {
        // "Is this right?" now shows every answer.
        window.htmx.ajax("GET", window.location.pathname, { target: "#main", select: "#main", swap: "outerHTML" });
      }
      return count;
    });
  }

  function problemText(outcome, count) {
    var refused = Object.keys(outcome.refused).filter(function (id) { return !saving[id]; });
    if (refused.length) {
      return F.page.say("refused").replace("{reason}", outcome.refused[refused[0]]);
    }
    if (outcome.stopped === "signed-out" && count > 0) { return F.page.say("signed-out"); }
    if (outcome.stopped === "server" && outcome.problem && count > 0) { return outcome.problem; }
    return "";
  }

  // Leaving person mode (unlock, confirm) waits until every answer is on the server.
  function holdForms(count) {
    document.querySelectorAll("#main [data-hold-while-waiting]").forEach(function (area) {
      var note = area.querySelector(".sync-held");
      if (count > 0) {
        area.querySelectorAll("input, button, select, textarea").forEach(function (control) {
          if (!control.disabled) { control.disabled = true; control.setAttribute("data-held", "yes"); }
        });
        if (!note) {
          note = document.createElement("p");
          note.className = "sync-held";
          area.insertBefore(note, area.firstChild);
        }
        note.textContent = F.page.say("held");
      } else {
        area.querySelectorAll("[data-held]").forEach(function (control) {
          control.disabled = false;
          control.removeAttribute("data-held");
        });
        if (note) { note.remove(); }
      }
    });
  }

  // "Saved on this tablet" becomes "Saved." once the server has this screen's answers.
  function noteSent(entries) {
    var current = F.page.screen();
    var note = current && current.querySelector(".offline-saved [data-sent]");
    if (!note) { return; }
    var position = Number(current.getAttribute("data-position"));
    if (!entries.some(function (e) { return e.position === position; })) {
      note.textContent = note.getAttribute("data-sent");
    }
  }

  function noteIncompleteSummary(count) {
    var list = document.querySelector("#main .summary-list");
    if (!list) { return; }
    var note = document.querySelector("#main .sync-incomplete");
    if (count > 0 && !note) {
      note = document.createElement("p");
      note.className = "sync-held sync-incomplete";
      note.textContent = F.page.say("check-incomplete");
      list.parentNode.insertBefore(note, list);
    } else if (count === 0 && note) {
      note.remove();
    }
  }

  // A screen the network could not bring, and one the tablet does not keep.
  function showProblem(name) {
    var problem = document.querySelector("[data-sync-problem]");
    if (problem) { problem.textContent = F.page.say(name); }
  }
  document.addEventListener("htmx:sendError", function () { showProblem("needs-wifi"); });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 503 && xhr.statusText === "Offline") { showProblem("not-on-tablet"); }
  });
  document.addEventListener("htmx:beforeSwap", function () {
    var problem = document.querySelector("[data-sync-problem]");
    if (problem) { problem.textContent = ""; }
  });

  // shown(): answers waiting when last looked (-1 before the first look).
  F.status = {
    refresh: refresh, saving: saving, shown: function () { return shown; }
  };
})();
