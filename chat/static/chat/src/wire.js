// Turns frames into what goes on the socket and back, for the mode the
// server selected. Compression is used only when the server announced it
// and the body is large: Snappy on short chat frames makes them bigger.
import { jsonCodec } from './json-codec.js';
import { openBinary, closeBinary, FrameError } from './snappy-frame.js';

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
export const DEFAULT_COMPRESS_MIN_BYTES = 1024;

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new FrameError('bad_frame', 'unsupported frame data');
}

// Send a Uint8Array as a standalone ArrayBuffer: SocketTask.send accepts only
// strings and ArrayBuffers, and a view may sit inside a larger pooled buffer.
function toArrayBuffer(bytes) {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

export class Wire {
  constructor(codec) {
    this.codec = codec || jsonCodec;
    this.maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
    this.compressMinBytes = DEFAULT_COMPRESS_MIN_BYTES;
    this.peerSnappy = false;
  }

  /** Apply the server's welcome: limits and whether it reads Snappy. */
  configure(welcome) {
    if (welcome.max_frame_bytes) this.maxFrameBytes = Number(welcome.max_frame_bytes);
    if (welcome.compress_min_bytes) this.compressMinBytes = Number(welcome.compress_min_bytes);
    this.peerSnappy = Array.isArray(welcome.compress) && welcome.compress.includes('snappy');
  }

  /** Frame -> string or ArrayBuffer, ready for socket.send. */
  encode(frame) {
    const binaryMode = this.codec.name !== 'json';
    // Encoded even for text frames: the limit is on UTF-8 bytes, not characters.
    const body = this.codec.encodeBody(frame);
    const snappy = this.peerSnappy && body.length >= this.compressMinBytes;
    if (!binaryMode && !snappy) {
      if (body.length > this.maxFrameBytes) throw new FrameError('frame_too_big', 'frame over max_frame_bytes');
      return this.codec.encodeText(frame);
    }
    const out = closeBinary(body, snappy);
    if (out.length > this.maxFrameBytes) throw new FrameError('frame_too_big', 'frame over max_frame_bytes');
    return toArrayBuffer(out);
  }

  /** socket data (string or binary) -> frame object. */
  decode(data) {
    if (typeof data === 'string') return jsonCodec.decodeText(data);
    const body = openBinary(toBytes(data), this.maxFrameBytes);
    return this.codec.decodeBody(body);
  }
}
