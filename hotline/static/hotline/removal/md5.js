/* Streaming MD5 (RFC 1321), written for Hotline's removal page: feed any number of byte
   chunks with update(), then digest() gives the 32-character lower-case hex. Works in a page
   or a Web Worker; no dependencies. MD5 is used only to find exact copies, as platforms do. */
(function (root) {
  "use strict";

  var S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
  var K = new Int32Array(64);
  for (var i = 0; i < 64; i++) {
    K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0;
  }

  function Md5() {
    this.state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0; // bytes seen (a double: exact up to 2^53)
    this.words = new Int32Array(16);
  }

  Md5.prototype.block = function (bytes, offset) {
    var w = this.words;
    for (var j = 0; j < 16; j++) {
      var p = offset + j * 4;
      w[j] = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
    }
    var a = this.state[0], b = this.state[1], c = this.state[2], d = this.state[3];
    for (var k = 0; k < 64; k++) {
      var f, g;
      if (k < 16) { f = (b & c) | (~b & d); g = k; }
      else if (k < 32) { f = (d & b) | (~d & c); g = (5 * k + 1) & 15; }
      else if (k < 48) { f = b ^ c ^ d; g = (3 * k + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * k) & 15; }
      var t = d;
      d = c;
      c = b;
      var x = (a + f + K[k] + w[g]) | 0;
      b = (b + ((x << S[k]) | (x >>> (32 - S[k])))) | 0;
      a = t;
    }
    this.state[0] = (this.state[0] + a) | 0;
    this.state[1] = (this.state[1] + b) | 0;
    this.state[2] = (this.state[2] + c) | 0;
    this.state[3] = (this.state[3] + d) | 0;
  };

  Md5.prototype.update = function (bytes) {
    var i = 0, n = bytes.length;
    this.length += n;
    if (this.buffered > 0) {
      while (i < n && this.buffered < 64) { this.buffer[this.buffered++] = bytes[i++]; }
      if (this.buffered < 64) { return this; }
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= n; i += 64) { this.block(bytes, i); }
    while (i < n) { this.buffer[this.buffered++] = bytes[i++]; }
    return this;
  };

  Md5.prototype.digest = function () {
    var bits = this.length * 8;
    var pad = new Uint8Array(((this.buffered < 56) ? 56 : 120) - this.buffered + 8);
    pad[0] = 0x80;
    var low = bits % 4294967296, high = Math.floor(bits / 4294967296);
    var end = pad.length - 8;
    for (var j = 0; j < 4; j++) {
      pad[end + j] = (low >>> (8 * j)) & 0xff;
      pad[end + 4 + j] = (high >>> (8 * j)) & 0xff;
    }
    var length = this.length;
    this.update(pad);
    this.length = length;
    var hex = "";
    for (var s = 0; s < 4; s++) {
      for (var byteIndex = 0; byteIndex < 4; byteIndex++) {
        var value = (this.state[s] >>> (8 * byteIndex)) & 0xff;
        hex += (value < 16 ? "0" : "") + value.toString(16);
      }
    }
    return hex;
  };

  root.HotlineMd5 = Md5;
})(typeof self !== "undefined" ? self : this);
