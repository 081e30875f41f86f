/* PDQ, Meta's perceptual image hash, for Hotline's removal page: a port of
   hotline/matching/hashing/pdq_algorithm.py (itself Meta's pdq/cpp/hashing/pdqhashing.cpp).

   1. luma = 0.299 R + 0.587 G + 0.114 B;
   2. two passes of Jarosz box filters along rows and columns (window ceil(dimension / 128)),
      then nearest sampling to 64 x 64;
   3. quality: the sum of absolute neighbour differences of that 64 x 64 image;
   4. a 16 x 16 DCT (without the DC row and column), thresholded at its lower median.
   The hash is 256 bits as 64 hex characters, most significant first: bit k (row * 16 + column
   of the DCT) is bit k of that number. */
(function (root) {
  "use strict";

  var SIZE = 64;
  var MIN_HASHABLE_DIM = 5;

  function windowSize(length) {
    return Math.floor((length + 2 * SIZE - 1) / (2 * SIZE));
  }

  // One box-filter pass over `count` vectors of `length` values spaced `stride` apart, vector
  // v starting at v * `step`: out[i] is the mean of in[i - (w - h) .. i + h - 1], clipped to the
  // vector, with h = floor((w + 2) / 2), as the reference's box1DFloat computes it.
  function boxPass(input, output, length, stride, count, step, window, prefix) {
    var half = Math.floor((window + 2) / 2);
    for (var v = 0; v < count; v++) {
      var base = v * step;
      prefix[0] = 0;
      for (var i = 0; i < length; i++) { prefix[i + 1] = prefix[i] + input[base + i * stride]; }
      for (var j = 0; j < length; j++) {
        var low = j - (window - half);
        var high = j + half - 1;
        if (low < 0) { low = 0; }
        if (high > length - 1) { high = length - 1; }
        output[base + j * stride] = (prefix[high + 1] - prefix[low]) / (high - low + 1);
      }
    }
  }

  function downsample(luma, rows, cols) {
    var alongRows = windowSize(cols); // a row spans the columns
    var alongCols = windowSize(rows);
    var other = new Float64Array(rows * cols);
    var prefix = new Float64Array(Math.max(rows, cols) + 1);
    for (var pass = 0; pass < 2; pass++) {
      boxPass(luma, other, cols, 1, rows, cols, alongRows, prefix);
      boxPass(other, luma, rows, cols, cols, 1, alongCols, prefix);
    }
    var image = new Float64Array(SIZE * SIZE);
    for (var r = 0; r < SIZE; r++) {
      var sourceRow = Math.floor(((r + 0.5) * rows) / SIZE);
      for (var c = 0; c < SIZE; c++) {
        var sourceCol = Math.floor(((c + 0.5) * cols) / SIZE);
        image[r * SIZE + c] = luma[sourceRow * cols + sourceCol];
      }
    }
    return image;
  }

  function quality(image) {
    var gradient = 0;
    for (var r = 0; r < SIZE - 1; r++) {
      for (var c = 0; c < SIZE; c++) {
        gradient += Math.abs(Math.trunc(((image[r * SIZE + c] - image[(r + 1) * SIZE + c]) * 100) / 255));
      }
    }
    for (var r2 = 0; r2 < SIZE; r2++) {
      for (var c2 = 0; c2 < SIZE - 1; c2++) {
        gradient += Math.abs(Math.trunc(((image[r2 * SIZE + c2] - image[r2 * SIZE + c2 + 1]) * 100) / 255));
      }
    }
    return Math.min(100, Math.floor(gradient / 90));
  }

  var DCT = null;
  function dctMatrix() {
    if (DCT === null) {
      DCT = new Float64Array(16 * SIZE);
      var scale = Math.sqrt(2 / SIZE);
      for (var i = 0; i < 16; i++) {
        for (var j = 0; j < SIZE; j++) {
          DCT[i * SIZE + j] = scale * Math.cos((Math.PI / 2 / SIZE) * (i + 1) * (2 * j + 1));
        }
      }
    }
    return DCT;
  }

  function hashImage64(image) {
    var d = dctMatrix();
    var temp = new Float64Array(16 * SIZE); // D x A
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < SIZE; j++) {
        var sum = 0;
        for (var k = 0; k < SIZE; k++) { sum += d[i * SIZE + k] * image[k * SIZE + j]; }
        temp[i * SIZE + j] = sum;
      }
    }
    var coefficients = new Float64Array(256); // (D x A) x D^T
    for (var r = 0; r < 16; r++) {
      for (var c = 0; c < 16; c++) {
        var total = 0;
        for (var m = 0; m < SIZE; m++) { total += temp[r * SIZE + m] * d[c * SIZE + m]; }
        coefficients[r * 16 + c] = total;
      }
    }
    var sorted = Float64Array.from(coefficients).sort();
    var median = sorted[127];
    var bytes = new Uint8Array(32);
    for (var bit = 0; bit < 256; bit++) {
      if (coefficients[bit] > median) { bytes[31 - (bit >> 3)] |= 1 << (bit & 7); }
    }
    var hex = "";
    for (var b = 0; b < 32; b++) { hex += (bytes[b] < 16 ? "0" : "") + bytes[b].toString(16); }
    return hex;
  }

  /* The PDQ hash and quality of RGBA pixels (an ImageData's data), `width` x `height`. */
  function fromRgba(rgba, width, height) {
    if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) {
      return { hash: new Array(65).join("0"), quality: 0 };
    }
    var luma = new Float64Array(width * height);
    for (var p = 0, q = 0; p < luma.length; p++, q += 4) {
      luma[p] = 0.299 * rgba[q] + 0.587 * rgba[q + 1] + 0.114 * rgba[q + 2];
    }
    var image = downsample(luma, height, width);
    return { hash: hashImage64(image), quality: quality(image) };
  }

  function hamming(first, second) {
    var distance = 0;
    for (var i = 0; i < 64; i += 8) {
      var x = (parseInt(first.slice(i, i + 8), 16) ^ parseInt(second.slice(i, i + 8), 16)) >>> 0;
      while (x) { x &= x - 1; distance++; }
    }
    return distance;
  }

  root.HotlinePdq = { fromRgba: fromRgba, hamming: hamming };
})(typeof self !== "undefined" ? self : this);
