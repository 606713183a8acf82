// Entry point of the bundle. `CsbotClient.create(options)` picks the adapter
// for the runtime it finds (a mini-program's `wx`, else the browser) and the
// protobuf codec when the build found the .proto file.
import { CsbotClient as Client } from './client.js';
import { createWxAdapter } from './adapters/wx.js';
import { createBrowserAdapter } from './adapters/browser.js';
import { ProtoCodec } from './proto-codec.js';
import { jsonCodec } from './json-codec.js';
import { Backoff } from './backoff.js';
import { Outbox } from './outbox.js';
import { Sequencer } from './sequencer.js';
import { StreamAssembler } from './streams.js';
import { Wire } from './wire.js';
import { openBinary, closeBinary, snappyDeclaredLength } from './snappy-frame.js';
import { CLOSE_POLICY, policyFor } from './close-codes.js';
import descriptor from './proto/descriptor.json';

export const VERSION = '1.0.0';

let protoCodec = null;
/** The protobuf codec built from the shipped descriptor, or null in a JSON-only build. */
export function getProtoCodec() {
  if (protoCodec === null && descriptor) protoCodec = new ProtoCodec(descriptor);
  return protoCodec;
}

// Older mini-program runtimes have no globalThis.
function globalObject() {
  if (typeof globalThis !== 'undefined') return globalThis;
  if (typeof window !== 'undefined') return window;
  return {};
}

// `wx` is a free variable inside mini-programs, not always a global property.
function findWx() {
  // eslint-disable-next-line no-undef
  return typeof wx !== 'undefined' ? wx : globalObject().wx;
}

function defaultAdapter(options) {
  if (options.wx) return createWxAdapter(options.wx);
  const wxObject = findWx();
  if (wxObject && typeof wxObject.connectSocket === 'function') return createWxAdapter(wxObject);
  return createBrowserAdapter(globalObject());
}

/**
 * The public client. Options beyond the core client's:
 *   adapter: 'wx' | 'browser' | an adapter object (default: detected);
 *   wx: the wx object to use (tests pass a shim);
 *   jsonOnly: offer only csbot.v1.json.
 */
export class CsbotClient extends Client {
  constructor(options) {
    const o = Object.assign({}, options);
    if (o.adapter === 'wx') o.adapter = createWxAdapter(o.wx || findWx());
    else if (o.adapter === 'browser') o.adapter = createBrowserAdapter(globalObject());
    else if (!o.adapter) o.adapter = defaultAdapter(o);
    if (o.proto === undefined) o.proto = o.jsonOnly ? null : getProtoCodec();
    if (o.jsonOnly) o.protocols = ['csbot.v1.json'];
    super(o);
  }
}

export const adapters = { createWxAdapter, createBrowserAdapter };
export const internals = {
  Backoff, Outbox, Sequencer, StreamAssembler, Wire, ProtoCodec, jsonCodec,
  openBinary, closeBinary, snappyDeclaredLength, CLOSE_POLICY, policyFor, descriptor,
};
