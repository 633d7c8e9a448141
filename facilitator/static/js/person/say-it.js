// Person mode, "Say it" (issue 24): the person records their own voice (MediaRecorder), hears
// it back, and keeps it or tries again. A kept recording goes to the tablet's queue
// (person/voice-queue.js, loaded first), which sends it. Each state is said in words and a
// picture in a live region, never by colour alone.
(function () {
  "use strict";
  var F = window.Facilitator = window.Facilitator || {};
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];

  function newId() {
    if (F.page && F.page.newId) { return F.page.newId(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
  }

  // --- the recorder -------------------------------------------------------------------------
  function pickType() {
    if (!window.MediaRecorder || !window.MediaRecorder.isTypeSupported) { return null; }
    for (var i = 0; i < TYPES.length; i += 1) {
      if (window.MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return null;
  }

  function clock(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function setUp(root) {
    if (root.getAttribute("data-ready") === "yes") { return; }
    root.setAttribute("data-ready", "yes");
    var q = function (name) { return root.querySelector("[data-say-" + name + "]"); };
    var start = q("start"), stop = q("stop"), review = q("review"), preview = q("preview");
    var keep = q("keep"), again = q("again"), play = q("play"), words = q("words");
    var icon = q("icon"), clockBox = q("clock"), used = q("used"), total = q("total"), progress = q("progress");
    var fallback = document.querySelector("#main [data-say-fallback]");
    var maxMs = Number(root.getAttribute("data-max-seconds") || 60) * 1000;
    var type = pickType();
    var recorder = null, chunks = [], blob = null, url = null, timer = null, began = 0, warned = false;
    var pictures = {
      idle: icon.getAttribute("src"),
      recording: stop.querySelector("img").getAttribute("src"),
      done: keep.querySelector("img").getAttribute("src")
    };

    function text(name) { return root.getAttribute("data-text-" + name) || ""; }

    function state(name, message, picture) {
      root.setAttribute("data-state", name);
      words.textContent = message;
      icon.setAttribute("src", pictures[picture || "idle"]);
      start.hidden = name !== "ready" && name !== "kept" && name !== "refused";
      stop.hidden = name !== "recording";
      review.hidden = name !== "stopped";
      clockBox.hidden = name !== "recording" && name !== "stopped";
      progress.hidden = name !== "recording";
      if (F.scan && F.scan.setUp) { F.scan.setUp(); }
    }

    root.hidden = false;
    total.textContent = clock(maxMs);
    if (!type || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      state("unsupported", text("unsupported"));
      start.hidden = true;
      return;
    }
    if (fallback) { fallback.hidden = true; }

    function tick() {
      var ms = Date.now() - began;
      used.textContent = clock(ms);
      progress.value = Math.min(maxMs, ms) / 1000;
      if (!warned && maxMs - ms <= 10000 && maxMs > 15000) {
        warned = true;
        words.textContent = text("recording") + " " + text("last");
      }
      if (ms >= maxMs - 300 && recorder && recorder.state !== "inactive") { recorder.stop(); }
    }

    start.addEventListener("click", function () {
      start.disabled = true;
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        start.disabled = false;
        chunks = [];
        warned = false;
        // 32 kbit/s Opus: clear speech at a quarter of the browser's default size.
        recorder = new window.MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 32000 });
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data && event.data.size) { chunks.push(event.data); }
        });
        recorder.addEventListener("stop", function () {
          window.clearInterval(timer);
          stream.getTracks().forEach(function (track) { track.stop(); });
          blob = new Blob(chunks, { type: type.split(";")[0] });
          if (url) { URL.revokeObjectURL(url); }
          url = URL.createObjectURL(blob);
          preview.src = url;
          state("stopped", text("stopped"), "done");
          keep.focus();
        });
        began = Date.now();
        recorder.start(1000);
        used.textContent = clock(0);
        progress.value = 0;
        timer = window.setInterval(tick, 250);
        state("recording", text("recording"), "recording");
        stop.focus();
      }, function () {
        start.disabled = false;
        state("refused", text("denied"));
        if (fallback) { fallback.hidden = false; }
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    });

    play.addEventListener("click", function () {
      preview.currentTime = 0;
      var playing = preview.play();
      if (playing && playing.catch) { playing.catch(function () { /* nothing to play */ }); }
    });

    again.addEventListener("click", function () {
      preview.pause();
      blob = null;
      state("ready", text("ready"));
      start.focus();
    });

    keep.addEventListener("click", function () {
      if (!blob) { return; }
      keep.disabled = true;
      var entry = {
        client_id: newId(),
        review_id: Number(root.getAttribute("data-review")),
        position: Number(root.getAttribute("data-position")),
        url: root.getAttribute("data-api-url"),
        type: blob.type,
        blob: blob,
        seq: Date.now(),
        queued_at: new Date().toISOString()
      };
      F.voice.put(entry).then(function () {
        blob = null;
        keep.disabled = false;
        state("kept", text("kept-offline"), "done");
        F.voice.refresh();
        return F.voice.drain().then(function (outcome) {
          if (!outcome) { return; }
          if (outcome.refused[entry.client_id] !== undefined) {
            state("refused", text("refused").replace("{reason}", outcome.refused[entry.client_id]));
          } else if (outcome.sent.indexOf(entry.client_id) !== -1) {
            state("kept", text("kept"), "done");
          }
        });
      }, function () {
        keep.disabled = false;
        state("refused", text("refused").replace("{reason}", text("unsupported")));
      });
    });

    // A recording kept while offline: the screen says so when it is sent.
    document.addEventListener("facilitator:voice-sent", function (event) {
      if (root.getAttribute("data-state") === "kept" && event.detail && event.detail.sent.length && document.contains(root)) {
        F.voice.waiting().then(function (list) { if (!list.length) { state("kept", text("kept"), "done"); } });
      }
    });

    state("ready", text("ready"));
  }

  function init() {
    document.querySelectorAll("#main [data-say-it]").forEach(setUp);
  }

  document.addEventListener("htmx:afterSettle", init);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
