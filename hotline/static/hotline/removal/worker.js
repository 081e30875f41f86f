/* Hotline removal page: hashing off the page's thread, so a large file never freezes the tab.

   {op: "file", id, file, media}: MD5 of the whole file, read in 4 MiB slices (any size), and
   for a photo its PDQ and quality from the browser's own decoder. Progress is posted as
   {op: "progress", id, done, total}; the end as {op: "done", id, md5, pdq, quality} or
   {op: "error", id, code}.
   {op: "frame", id, index, seconds, width, height, rgba}: the PDQ of one video frame, posted
   back as {op: "frame", id, index, seconds, pdq, quality}. Nothing is sent anywhere from here. */
"use strict";
importScripts("md5.js", "pdq.js");

var CHUNK = 4 * 1024 * 1024;
var MAX_IMAGE_BYTES = 64 * 1024 * 1024;
var MAX_IMAGE_PIXELS = 89478485;
// Above this many pixels the photo is scaled down (by the browser, high quality) before
// hashing: PDQ looks at a 64 x 64 summary, so nothing it needs is lost, and memory stays small.
var SCALE_ABOVE_PIXELS = 16 * 1024 * 1024;
var SCALED_LONGEST_SIDE = 2048;

async function md5Of(file, id) {
  var md5 = new self.HotlineMd5();
  for (var offset = 0; offset < file.size; offset += CHUNK) {
    var bytes = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
    md5.update(bytes);
    self.postMessage({ op: "progress", id: id, done: Math.min(file.size, offset + CHUNK), total: file.size });
  }
  return md5.digest();
}

async function pdqOf(file) {
  var options = { colorSpaceConversion: "none", premultiplyAlpha: "none" };
  var bitmap = await createImageBitmap(file, options);
  var width = bitmap.width, height = bitmap.height;
  if (width * height > MAX_IMAGE_PIXELS) {
    bitmap.close();
    throw new Error("too_large");
  }
  if (width * height > SCALE_ABOVE_PIXELS) {
    var scale = SCALED_LONGEST_SIDE / Math.max(width, height);
    bitmap.close();
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
    options.resizeWidth = width;
    options.resizeHeight = height;
    options.resizeQuality = "high";
    bitmap = await createImageBitmap(file, options);
  }
  var canvas = new OffscreenCanvas(width, height);
  var context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  var pixels = context.getImageData(0, 0, width, height).data;
  return self.HotlinePdq.fromRgba(pixels, width, height);
}

async function hashFile(message) {
  var file = message.file;
  if (message.media === "image" && file.size > MAX_IMAGE_BYTES) {
    self.postMessage({ op: "error", id: message.id, code: "too_large" });
    return;
  }
  var md5 = await md5Of(file, message.id);
  var result = { op: "done", id: message.id, md5: md5 };
  if (message.media === "image") {
    try {
      var pdq = await pdqOf(file);
      result.pdq = pdq.hash;
      result.quality = pdq.quality;
    } catch (error) {
      var code = error && error.message === "too_large" ? "too_large" : "decode";
      self.postMessage({ op: "error", id: message.id, code: code });
      return;
    }
  }
  self.postMessage(result);
}

self.onmessage = function (event) {
  var message = event.data;
  if (message.op === "file") {
    hashFile(message).catch(function () {
      self.postMessage({ op: "error", id: message.id, code: "read" });
    });
  } else if (message.op === "frame") {
    var pdq = self.HotlinePdq.fromRgba(new Uint8ClampedArray(message.rgba), message.width, message.height);
    self.postMessage({
      op: "frame", id: message.id, index: message.index, seconds: message.seconds,
      pdq: pdq.hash, quality: pdq.quality
    });
  }
};
