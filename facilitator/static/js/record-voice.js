// Record a familiar voice in the browser (MediaRecorder) into the form's file field, so the
// recording is sent and checked exactly like an uploaded file. Without a microphone, without
// MediaRecorder or without JavaScript, the upload field does the same job.
(function () {
  "use strict";

  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];

  function pickType() {
    if (!window.MediaRecorder || !window.MediaRecorder.isTypeSupported) { return null; }
    for (var i = 0; i < TYPES.length; i += 1) {
      if (window.MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return null;
  }

  function setUp(box) {
    var start = box.querySelector("[data-record-start]");
    var stop = box.querySelector("[data-record-stop]");
    var status = box.querySelector("[data-record-status]");
    var preview = box.querySelector("[data-record-preview]");
    var form = box.closest("form");
    var input = form ? form.querySelector("input[type='file'][name='recording']") : null;
    var maxMs = Number(box.getAttribute("data-max-seconds") || 30) * 1000;
    var type = pickType();
    var canAttach = typeof window.DataTransfer === "function";
    var recorder = null;
    var chunks = [];
    var timer = null;
    var previewUrl = null;

    function say(name) { status.textContent = box.getAttribute("data-text-" + name) || ""; }

    box.hidden = false;
    if (!type || !input || !canAttach || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      start.disabled = true;
      say("unsupported");
      return;
    }

    function finish(stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      var blob = new Blob(chunks, { type: type.split(";")[0] });
      var ext = type.indexOf("ogg") !== -1 ? "ogg" : "webm";
      var file = new File([blob], "recording." + ext, { type: blob.type });
      var transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
      if (previewUrl) { URL.revokeObjectURL(previewUrl); }
      previewUrl = URL.createObjectURL(blob);
      preview.src = previewUrl;
      preview.hidden = false;
      start.disabled = false;
      stop.disabled = true;
      say("done");
      start.focus();
    }

    start.addEventListener("click", function () {
      start.disabled = true;
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new window.MediaRecorder(stream, { mimeType: type });
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data && event.data.size) { chunks.push(event.data); }
        });
        recorder.addEventListener("stop", function () {
          window.clearTimeout(timer);
          finish(stream);
        });
        recorder.start();
        stop.disabled = false;
        stop.focus();
        say("recording");
        // The server refuses anything longer, so stop in time.
        timer = window.setTimeout(function () { if (recorder.state !== "inactive") { recorder.stop(); } }, maxMs - 500);
      }, function () {
        start.disabled = false;
        say("denied");
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    });
  }

  function init() {
    document.querySelectorAll("[data-record-voice]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
