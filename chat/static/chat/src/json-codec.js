// JSON mode (subprotocol csbot.v1.json): a frame is one JSON object with a
// `type` field; plain frames travel as text, compressed ones as binary.
import { encodeUtf8, decodeUtf8 } from './utf8.js';

export const jsonCodec = {
  name: 'json',
  subprotocol: 'csbot.v1.json',
  /** Encode to the body bytes (only needed when the frame will be binary). */
  encodeBody(frame) {
    return encodeUtf8(JSON.stringify(frame));
  },
  encodeText(frame) {
    return JSON.stringify(frame);
  },
  decodeBody(bytes) {
    return JSON.parse(decodeUtf8(bytes));
  },
  decodeText(text) {
    return JSON.parse(text);
  },
};
