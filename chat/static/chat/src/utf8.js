// UTF-8 without TextEncoder/TextDecoder, which older mini-program runtimes
// lack. protobufjs ships a small, tested implementation.
import protobuf from 'protobufjs/minimal';

const utf8 = protobuf.util.utf8;

export function encodeUtf8(str) {
  const out = new Uint8Array(utf8.length(str));
  utf8.write(str, out, 0);
  return out;
}

export function decodeUtf8(bytes) {
  return utf8.read(bytes, 0, bytes.length);
}
