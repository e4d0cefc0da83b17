/*
 * A small zip reader for the container: the central directory, stored and deflated
 * members, inflated with the browser's DecompressionStream. The package was verified
 * (digest and signature) before it gets here; the caps below still bound what is inflated.
 */
(function (global) {
  'use strict';
  var MAX_FILES = 1000;
  var MAX_TOTAL = 20 * 1024 * 1024;

  function fail(message) { throw new Error('package: ' + message); }

  async function inflateRaw(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function readZip(buffer) {
    var bytes = new Uint8Array(buffer);
    var view = new DataView(buffer);
    var end = -1;
    for (var i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
      if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
    }
    if (end < 0) fail('no end of central directory');
    var count = view.getUint16(end + 10, true);
    var offset = view.getUint32(end + 16, true);
    if (count > MAX_FILES) fail('too many files');
    var files = new Map();
    var total = 0;
    var decoder = new TextDecoder('utf-8', { fatal: true });
    for (var n = 0; n < count; n++) {
      if (view.getUint32(offset, true) !== 0x02014b50) fail('bad central directory');
      var method = view.getUint16(offset + 10, true);
      var compressed = view.getUint32(offset + 20, true);
      var size = view.getUint32(offset + 24, true);
      var nameLength = view.getUint16(offset + 28, true);
      var extraLength = view.getUint16(offset + 30, true);
      var commentLength = view.getUint16(offset + 32, true);
      var local = view.getUint32(offset + 42, true);
      var name = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
      offset += 46 + nameLength + extraLength + commentLength;
      if (name.endsWith('/')) continue;
      if (view.getUint32(local, true) !== 0x04034b50) fail('bad local header for ' + name);
      var start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      var raw = bytes.subarray(start, start + compressed);
      total += size;
      if (total > MAX_TOTAL) fail('too large');
      var data;
      if (method === 0) data = raw.slice();
      else if (method === 8) data = await inflateRaw(raw);
      else fail('unsupported compression for ' + name);
      if (data.length !== size) fail('size mismatch for ' + name);
      files.set(name, data);
    }
    return files;
  }

  global.readZip = readZip;
})(window);
