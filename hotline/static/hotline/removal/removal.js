/* Hotline removal page: hash the chosen photos and videos on this device and send only the
   hashes. Photos: MD5 and PDQ with its quality (in a Web Worker). Videos: MD5 (worker) and
   vPDQ: one frame per second, decoded by the browser's own <video> element and drawn on a
   canvas, each frame hashed with PDQ in the worker. A file the browser cannot open gets its own
   message and the others go on. What is sent is shown before sending, exactly. */
(function () {
  "use strict";

  var app = document.getElementById("removal-app");
  if (!app) { return; }
  app.hidden = false;

  var strings = app.dataset;
  var maxFiles = parseInt(strings.maxFiles, 10);
  var maxFrames = parseInt(strings.maxFrames, 10);
  var input = document.getElementById("removal-files");
  var list = document.getElementById("removal-list");
  var payloadView = document.getElementById("removal-payload");
  var sendButton = document.getElementById("removal-send");
  var message = document.getElementById("removal-message");
  var worker = new Worker(strings.worker);
  var waiting = {}; // id -> {resolve, reject, onFrame}
  var nextId = 1;
  var entries = []; // {row, result} in the order chosen
  var queue = Promise.resolve();
  var busy = 0;
  // Frames are drawn at most this size: PDQ reads a 64 x 64 summary of them.
  var FRAME_LONGEST_SIDE = 1024;

  worker.onmessage = function (event) {
    var data = event.data;
    var pending = waiting[data.id];
    if (!pending) { return; }
    if (data.op === "progress") {
      pending.onProgress(data.done, data.total);
    } else if (data.op === "frame") {
      pending.onFrame(data);
    } else if (data.op === "done") {
      delete waiting[data.id];
      pending.resolve(data);
    } else if (data.op === "error") {
      delete waiting[data.id];
      pending.reject(data.code);
    }
  };

  function ask(message, handlers) {
    var id = nextId++;
    message.id = id;
    return new Promise(function (resolve, reject) {
      waiting[id] = {
        resolve: resolve, reject: reject,
        onProgress: handlers.onProgress || function () {},
        onFrame: handlers.onFrame || function () {}
      };
      worker.postMessage(message, handlers.transfer || []);
    });
  }

  function setStatus(row, text, state) {
    row.querySelector(".state").textContent = text;
    row.dataset.state = state;
  }

  function mediaOf(file) {
    var type = (file.type || "").toLowerCase();
    if (type.indexOf("image/") === 0) { return "image"; }
    if (type.indexOf("video/") === 0) { return "video"; }
    return "";
  }

  function once(target, name) {
    return new Promise(function (resolve, reject) {
      function done(event) {
        target.removeEventListener(name, done);
        target.removeEventListener("error", failed);
        resolve(event);
      }
      function failed() {
        target.removeEventListener(name, done);
        target.removeEventListener("error", failed);
        reject("decode");
      }
      target.addEventListener(name, done);
      target.addEventListener("error", failed);
    });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function samePixels(a, b) {
    if (!a || a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  // The pixels of the frame at `time`. "seeked" alone is not enough: under load Chromium can
  // fire it before the new frame reaches the element, and drawImage then copies the previous
  // one again (seen in CI: second 1 hashed exactly as second 0). requestVideoFrameCallback
  // would say when the frame is there, but headless Chromium presents no frame for a seek of a
  // paused video, so a frame identical to the previous one is drawn again a few times, briefly
  // apart. Where the picture really does not change the previous frame is the right one anyway:
  // after the first such second, one retry is enough, so a still video is not slowed down much.
  var STALE_RETRIES = 6;
  var STALE_WAIT = 50;
  async function frameAt(video, time, draw) {
    video.currentTime = time;
    await once(video, "seeked");
    for (var attempt = 0; ; attempt++) {
      draw.context.drawImage(video, 0, 0, draw.width, draw.height);
      var pixels = draw.context.getImageData(0, 0, draw.width, draw.height).data;
      if (!samePixels(draw.previous, pixels)) { break; }
      if (attempt >= draw.retries) { draw.retries = 1; break; }
      await sleep(STALE_WAIT);
    }
    draw.previous = pixels.slice();
    return pixels;
  }

  // vPDQ: one PDQ per second of video, from frames the browser decodes itself.
  async function videoFrames(file, row) {
    var video = document.createElement("video");
    video.muted = true;
    video.preload = "auto";
    video.playsInline = true;
    var url = URL.createObjectURL(file);
    try {
      video.src = url;
      await once(video, "loadeddata");
      var duration = video.duration;
      if (!isFinite(duration) || video.videoWidth === 0 || video.videoHeight === 0) { throw "decode"; }
      var seconds = Math.ceil(duration);
      if (seconds > maxFrames) { throw "too_long"; }
      var scale = Math.min(1, FRAME_LONGEST_SIDE / Math.max(video.videoWidth, video.videoHeight));
      var width = Math.max(1, Math.round(video.videoWidth * scale));
      var height = Math.max(1, Math.round(video.videoHeight * scale));
      var canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      var draw = { context: context, width: width, height: height, previous: null, retries: STALE_RETRIES };
      var frames = [];
      for (var second = 0; second < duration; second++) {
        // Just past the second, so the frame shown is the one that starts there.
        var pixels = await frameAt(video, Math.min(second + 0.001, duration), draw);
        var hashed = await new Promise(function (resolve, reject) {
          var id = nextId++;
          waiting[id] = {
            resolve: resolve, reject: reject, onProgress: function () {},
            onFrame: function (data) { delete waiting[id]; resolve(data); }
          };
          worker.postMessage(
            { op: "frame", id: id, index: second, seconds: second, width: width, height: height, rgba: pixels.buffer },
            [pixels.buffer]
          );
        });
        frames.push({ frame: second, seconds: second, quality: hashed.quality, pdq: hashed.pdq });
        setStatus(row, strings.msgHashing + " " + (second + 1) + " / " + seconds, "hashing");
      }
      return { frames: frames, duration: Math.round(duration * 1000) / 1000 };
    } finally {
      video.removeAttribute("src");
      video.load();
      URL.revokeObjectURL(url);
    }
  }

  async function hashOne(file, entry) {
    var row = entry.row;
    var media = mediaOf(file);
    if (!media) { setStatus(row, strings.msgType, "failed"); return; }
    setStatus(row, strings.msgHashing, "hashing");
    try {
      var done = await ask({ op: "file", file: file, media: media }, {
        onProgress: function (bytes, total) {
          if (total > 0 && media === "video") {
            setStatus(row, strings.msgHashing + " " + Math.floor((100 * bytes) / total) + "%", "hashing");
          }
        }
      });
      if (media === "image") {
        entry.result = { media: "image", md5: done.md5, pdq: done.pdq, pdq_quality: done.quality };
      } else {
        var video = await videoFrames(file, row);
        entry.result = { media: "video", md5: done.md5, duration: video.duration, vpdq: video.frames };
      }
      setStatus(row, strings.msgReady, "ready");
    } catch (code) {
      var text = {
        decode: strings.msgDecode, too_large: strings.msgTooLarge,
        too_long: strings.msgTooLong, read: strings.msgRead
      }[code] || strings.msgDecode;
      setStatus(row, text, "failed");
    }
  }

  function payload() {
    var files = entries.filter(function (e) { return e.result; }).map(function (e) { return e.result; });
    return { files: files, receipt: document.getElementById("removal-receipt").checked };
  }

  function showPayload() {
    var body = payload();
    payloadView.textContent = JSON.stringify(body, null, 2);
    sendButton.disabled = busy > 0 || body.files.length === 0;
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    var room = maxFiles - entries.length;
    if (files.length > room) {
      message.textContent = strings.msgTooMany + " " + maxFiles;
      files = files.slice(0, Math.max(0, room));
    } else {
      message.textContent = "";
    }
    files.forEach(function (file) {
      var row = document.createElement("li");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name; // shown here only; never sent
      var state = document.createElement("span");
      state.className = "state";
      row.appendChild(name);
      row.appendChild(document.createTextNode(": "));
      row.appendChild(state);
      list.appendChild(row);
      var entry = { row: row, result: null };
      entries.push(entry);
      setStatus(row, strings.msgWaiting, "waiting");
      busy++;
      // One file at a time: memory stays bounded however many are chosen.
      queue = queue.then(function () { return hashOne(file, entry); }).then(function () {
        busy--;
        showPayload();
      });
    });
    input.value = "";
    showPayload();
  });

  document.getElementById("removal-receipt").addEventListener("change", showPayload);

  document.getElementById("send-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var body = payload();
    if (body.files.length === 0) { message.textContent = strings.msgNothing; return; }
    sendButton.disabled = true;
    message.textContent = strings.msgSending;
    var token = document.querySelector("#choose-form input[name=csrfmiddlewaretoken]").value;
    try {
      var response = await fetch(strings.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body)
      });
      var answer = await response.json();
      if (response.status !== 201) {
        message.textContent = answer.detail || strings.msgFailed;
        sendButton.disabled = false;
        return;
      }
      message.textContent = "";
      document.getElementById("removal-result").hidden = false;
      document.getElementById("removal-state").textContent = answer.state_label + ". " + answer.explanation;
      document.getElementById("removal-result").dataset.state = answer.state;
      if (answer.secret) {
        document.getElementById("removal-receipt-box").hidden = false;
        document.getElementById("removal-reference").textContent = answer.reference;
        document.getElementById("removal-secret").textContent = answer.secret;
      }
      document.getElementById("choose-form").hidden = true;
      document.getElementById("send-form").hidden = true;
    } catch (error) {
      message.textContent = strings.msgFailed;
      sendButton.disabled = false;
    }
  });
})();
