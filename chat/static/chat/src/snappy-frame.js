// Binary frame envelope: byte 0 holds flags, the rest is the body.
// Bit 0 = body is a raw Snappy block. Other bits are reserved and must be 0.
import { compress, uncompress } from 'snappyjs';

export const FLAG_SNAPPY = 0x01;
const RESERVED = 0xfe;

export class FrameError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Read the uncompressed length a Snappy block declares (its leading varint). */
export function snappyDeclaredLength(block) {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i];
    result += (b & 0x7f) * Math.pow(2, shift);
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
  throw new FrameError('bad_frame', 'bad snappy length');
}

/** Split a binary frame into its body, decompressing when flagged. */
export function openBinary(bytes, maxFrameBytes) {
  if (bytes.length < 1) throw new FrameError('bad_frame', 'empty binary frame');
  const flags = bytes[0];
  if (flags & RESERVED) throw new FrameError('bad_frame', 'reserved flag bit set');
  const body = bytes.subarray(1);
  if (!(flags & FLAG_SNAPPY)) return body;
  // Check the declared size before allocating anything for it.
  const declared = snappyDeclaredLength(body);
  if (maxFrameBytes && declared > maxFrameBytes) throw new FrameError('frame_too_big', 'declared length ' + declared + ' over limit');
  // Copy into a plain Uint8Array: snappyjs picks its output type from its input.
  return new Uint8Array(uncompress(new Uint8Array(body), declared));
}

/** Wrap a body into a binary frame, compressing it when asked to. */
export function closeBinary(body, useSnappy) {
  const payload = useSnappy ? new Uint8Array(compress(new Uint8Array(body))) : body;
  const out = new Uint8Array(payload.length + 1);
  out[0] = useSnappy ? FLAG_SNAPPY : 0;
  out.set(payload, 1);
  return out;
}
