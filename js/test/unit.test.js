// Pure unit tests of the SDK's parts, run against the shipped bundle.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const snappy = require('snappyjs');
const sdk = require('../../chat/static/chat/csbot-sdk.js');

const { Backoff, Outbox, Sequencer, StreamAssembler, Wire, jsonCodec, openBinary, closeBinary, snappyDeclaredLength, policyFor } = sdk.internals;

function memoryStorage() {
  const m = new Map();
  return { get: (k) => (m.has(k) ? m.get(k) : null), set: (k, v) => m.set(k, v), remove: (k) => m.delete(k), m };
}

test('backoff ceilings double from 1 s and stop at 30 s', () => {
  const b = new Backoff({ random: () => 0.999999 });
  const delays = [];
  for (let i = 0; i < 8; i++) delays.push(b.next());
  assert.deepEqual(delays.map((d) => Math.round(d / 1000)), [1, 2, 4, 8, 16, 30, 30, 30]);
});

test('backoff uses full jitter between 0 and the ceiling', () => {
  const b = new Backoff({ random: () => 0 });
  assert.equal(b.next(), 0);
  const half = new Backoff({ random: () => 0.5 });
  half.next();
  assert.equal(half.next(), 1000);
  half.reset();
  assert.equal(half.attempt, 0);
});

test('outbox persists entries in order and survives a reload', () => {
  const s = memoryStorage();
  const box = new Outbox(s, 'k');
  box.add({ client_msg_id: 'a', text: 'one' });
  box.add({ client_msg_id: 'b', text: 'two' });
  const again = new Outbox(s, 'k');
  assert.deepEqual(again.list().map((m) => m.client_msg_id), ['a', 'b']);
  assert.equal(again.remove('a').text, 'one');
  assert.equal(again.remove('a'), null);
  assert.deepEqual(new Outbox(s, 'k').list().map((m) => m.client_msg_id), ['b']);
});

test('outbox ignores corrupt storage', () => {
  const s = memoryStorage();
  s.set('k', '{not json');
  assert.equal(new Outbox(s, 'k').size, 0);
});

test('sequencer drops duplicates and delivers in order', () => {
  const q = new Sequencer();
  const m = (seq) => ({ conversation_id: 'c', seq, text: String(seq) });
  assert.deepEqual(q.accept(m(1)).deliver.map((x) => x.seq), [1]);
  assert.deepEqual(q.accept(m(1)).deliver, []);
  const held = q.accept(m(3));
  assert.deepEqual(held.deliver, []);
  assert.deepEqual(held.gap, { conversation_id: 'c', after: 1, before: 3 });
  assert.deepEqual(q.accept(m(2)).deliver.map((x) => x.seq), [2, 3]);
  assert.equal(q.lastSeq('c'), 3);
  assert.equal(q.gap('c'), null);
});

test('sequencer starts a first-seen conversation at its first message', () => {
  const q = new Sequencer();
  assert.deepEqual(q.accept({ conversation_id: 'c', seq: 40 }).deliver.length, 1);
  q.setBaseline('new', 0);
  assert.deepEqual(q.accept({ conversation_id: 'new', seq: 2 }).deliver, []);
  assert.deepEqual(q.gap('new'), { conversation_id: 'new', after: 0, before: 2 });
});

test('sequencer release delivers held messages across a hole', () => {
  const q = new Sequencer();
  q.accept({ conversation_id: 'c', seq: 1 });
  q.accept({ conversation_id: 'c', seq: 5 });
  q.accept({ conversation_id: 'c', seq: 4 });
  assert.deepEqual(q.release('c').map((x) => x.seq), [4, 5]);
  assert.equal(q.lastSeq('c'), 5);
});

test('stream assembler orders deltas by index and ignores late ones', () => {
  const a = new StreamAssembler();
  assert.equal(a.add({ stream_id: 's', index: 1, delta: 'lo' }).text, '');
  assert.equal(a.add({ stream_id: 's', index: 0, delta: 'hel' }).text, 'hello');
  assert.equal(a.add({ stream_id: 's', index: 0, delta: 'hel' }), null);
  assert.equal(a.finish('s'), true);
  assert.equal(a.add({ stream_id: 's', index: 2, delta: '!' }), null);
});

test('binary frames round-trip with and without snappy', () => {
  const body = new TextEncoder().encode(JSON.stringify({ type: 'message', text: 'x'.repeat(3000) }));
  for (const useSnappy of [false, true]) {
    const frame = closeBinary(body, useSnappy);
    assert.equal(frame[0], useSnappy ? 1 : 0);
    assert.deepEqual(Buffer.from(openBinary(frame, 65536)), Buffer.from(body));
  }
  assert.ok(closeBinary(body, true).length < body.length / 4);
});

test('binary frames with reserved bits or an oversized declared length are refused', () => {
  assert.throws(() => openBinary(new Uint8Array([2, 1, 2]), 65536), /reserved/);
  const block = new Uint8Array(snappy.compress(Buffer.alloc(70000, 97)));
  assert.equal(snappyDeclaredLength(block), 70000);
  const frame = new Uint8Array(block.length + 1);
  frame[0] = 1;
  frame.set(block, 1);
  assert.throws(() => openBinary(frame, 65536), (err) => err.code === 'frame_too_big');
});

test('wire sends small JSON frames as text and large ones as snappy binary', () => {
  const w = new Wire(jsonCodec);
  w.configure({ max_frame_bytes: 65536, compress: ['snappy'] });
  assert.equal(typeof w.encode({ type: 'ping', ts: 1 }), 'string');
  const big = w.encode({ type: 'message', client_msg_id: 'a', text: '你好'.repeat(1000) });
  assert.ok(big instanceof ArrayBuffer);
  assert.equal(new Uint8Array(big)[0], 1);
  assert.equal(w.decode(big).text, '你好'.repeat(1000));
});

test('wire refuses a frame over max_frame_bytes counted in UTF-8 bytes', () => {
  const w = new Wire(jsonCodec);
  w.configure({ max_frame_bytes: 1000, compress: [] });
  assert.throws(() => w.encode({ type: 'message', text: '字'.repeat(400) }), (err) => err.code === 'frame_too_big');
});

test('close codes map to the contract table', () => {
  assert.equal(policyFor(1000).action, 'reconnect');
  assert.equal(policyFor(1000).now, undefined);
  assert.equal(policyFor(4410).action, 'replaced');
  assert.equal(policyFor(1013).action, 'reconnect');
  assert.equal(policyFor(4413).action, 'reconnect');
  assert.equal(policyFor(1001).now, true);
  assert.equal(policyFor(1009).action, 'drop_frame');
  assert.equal(policyFor(4401).action, 'relogin');
  assert.equal(policyFor(4403).action, 'stop');
  assert.equal(policyFor(4408).now, true);
  assert.equal(policyFor(4409).action, 'kick');
  assert.equal(policyFor(4429).count, true);
  assert.equal(policyFor(1006).action, 'reconnect');
});

const proto = sdk.getProtoCodec();
test('proto codec round-trips frames in their JSON shape', { skip: !proto && 'no .proto in this build' }, () => {
  const frames = [
    { type: 'hello', device_id: 'd1', platform: 'web', compress: ['snappy'], resume: { conversation_id: 'c1', last_seq: 7 } },
    { type: 'welcome', conversation: { id: 'c1', status: 'bot' }, last_seq: 0, heartbeat_s: 10, max_frame_bytes: 65536, compress: [], recovered: false, server_time: 1763750000123 },
    { type: 'history', messages: [{ msg_id: 'm', conversation_id: 'c1', seq: 3, sender: 'bot', text: '您好', ts: 1763750000123 }] },
    { type: 'stream', conversation_id: 'c1', stream_id: 's', index: 0, delta: '' },
  ];
  for (const f of frames) assert.deepEqual(proto.decodeBody(proto.encodeBody(f)), f);
});

test('proto wire compresses large frames and reads them back', { skip: !proto && 'no .proto in this build' }, () => {
  const w = new Wire(proto);
  w.configure({ max_frame_bytes: 65536, compress: ['snappy'] });
  const small = new Uint8Array(w.encode({ type: 'ping', ts: 5 }));
  assert.equal(small[0], 0);
  const big = w.encode({ type: 'message', client_msg_id: 'a', text: 'long '.repeat(500) });
  assert.equal(new Uint8Array(big)[0], 1);
  assert.equal(w.decode(big).text, 'long '.repeat(500));
});
