// The client's behaviour against a scripted server: streams, close codes,
// give-up and wake-up, outbox order. No network involved.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { CsbotClient } = require('../../chat/static/chat/csbot-sdk.js');
const { createFakeAdapter, handshake } = require('./helpers/fake-adapter.js');
const { waitFor } = require('./helpers/server.js');

function make(options = {}) {
  const adapter = createFakeAdapter();
  const client = new CsbotClient(Object.assign({
    baseUrl: 'http://127.0.0.1:1', adapter, login: 'dev', openid: 'o1', jsonOnly: true,
    backoff: { baseMs: 10, capMs: 40 }, longPoll: false,
  }, options));
  const events = [];
  for (const name of ['state', 'message', 'stream', 'kick', 'error', 'gaveup', 'rejected', 'relogin']) {
    client.on(name, (...args) => events.push([name, ...args]));
  }
  return { client, adapter, events };
}

async function started(client, adapter, opts) {
  client.start();
  await waitFor(() => adapter.sockets.length >= 1, 2000, 'socket');
  return handshake(adapter, opts);
}

test('stream deltas build a preview that the final message replaces', async () => {
  const { client, adapter, events } = make();
  const s = await started(client, adapter);
  s.push({ type: 'stream', conversation_id: 'c1', stream_id: 'st1', index: 0, delta: '您好，' });
  s.push({ type: 'stream', conversation_id: 'c1', stream_id: 'st1', index: 2, delta: '帮您？' });
  s.push({ type: 'stream', conversation_id: 'c1', stream_id: 'st1', index: 1, delta: '有什么可以' });
  s.push({ type: 'message', msg_id: 'm1', conversation_id: 'c1', seq: 1, sender: 'bot', text: '您好，有什么可以帮您？', ts: 1, stream_id: 'st1' });
  s.push({ type: 'stream', conversation_id: 'c1', stream_id: 'st1', index: 3, delta: 'late' });
  const previews = events.filter((e) => e[0] === 'stream').map((e) => e[1].text);
  assert.deepEqual(previews, ['您好，', '您好，', '您好，有什么可以帮您？']);
  const messages = events.filter((e) => e[0] === 'message').map((e) => e[1]);
  assert.equal(messages.length, 1);
  assert.equal(messages[0].stream_id, 'st1');
  client.close();
});

test('hello offers the outbox again after a reconnect, in order, with resume', async () => {
  const { client, adapter } = make();
  const s1 = await started(client, adapter);
  client.send('a');
  client.send('b');
  s1.push({ type: 'ack', client_msg_id: s1.sentOf('message')[0].client_msg_id, msg_id: 'm1', conversation_id: 'c1', seq: 1, ts: 1 });
  s1.drop(1001);
  await waitFor(() => adapter.sockets.length === 2, 2000, 'immediate reconnect');
  const s2 = adapter.last();
  s2.open();
  assert.deepEqual(s2.sentOf('hello')[0].resume, { conversation_id: 'c1', last_seq: 1 });
  s2.push({ type: 'welcome', conversation: { id: 'c1', status: 'bot' }, last_seq: 1, heartbeat_s: 10, max_frame_bytes: 65536, compress: [], recovered: true, server_time: 1 });
  s2.push({ type: 'synced', last_seq: 1 });
  assert.deepEqual(s2.sentOf('message').map((f) => f.text), ['b']);
  assert.equal(s2.sentOf('message')[0].client_msg_id, s1.sentOf('message')[1].client_msg_id);
  client.close();
});

test('1009 drops the refused message from the outbox and reports it', async () => {
  const { client, adapter, events } = make();
  const s = await started(client, adapter);
  const item = client.send('too big for this server');
  s.drop(1009);
  assert.equal(client.outbox.size, 0);
  const rejected = events.find((e) => e[0] === 'rejected');
  assert.equal(rejected[1].client_msg_id, item.client_msg_id);
  await waitFor(() => adapter.sockets.length === 2, 2000, 'reconnect after backoff');
  client.close();
});

test('4409 after a kick stops the client and tells the app', async () => {
  const { client, adapter, events } = make();
  const s = await started(client, adapter);
  s.push({ type: 'kick', reason: 'signed_in_elsewhere' });
  s.drop(4409);
  assert.equal(client.state, 'stopped');
  assert.deepEqual(events.find((e) => e[0] === 'kick')[1], { reason: 'signed_in_elsewhere' });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(adapter.sockets.length, 1);
});

test('4401 forgets the token and logs in again before reconnecting', async () => {
  const { client, adapter, events } = make();
  const s = await started(client, adapter);
  assert.equal(s.headers.Authorization, 'Bearer tok-1');
  s.drop(4401);
  await waitFor(() => adapter.sockets.length === 2, 2000, 'reconnect');
  assert.equal(adapter.last().headers.Authorization, 'Bearer tok-2');
  assert.ok(events.some((e) => e[0] === 'relogin'));
  client.close();
});

test('4408 and 1001 reconnect at once; 1011 and 4429 wait', async () => {
  const { client, adapter } = make({ backoff: { baseMs: 5000, capMs: 5000 }, random: () => 1 - 1e-9 });
  let s = await started(client, adapter);
  s.drop(4408);
  await waitFor(() => adapter.sockets.length === 2, 500, 'at once after 4408');
  s = handshake(adapter);
  s.drop(1011);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(adapter.sockets.length, 2, '1011 must back off');
  assert.equal(client.state, 'reconnecting');
  client.close();
});

test('after maxFailures the client goes offline and retries when the app is shown', async () => {
  const { client, adapter, events } = make({ maxFailures: 3 });
  client.start();
  for (let i = 1; i <= 3; i++) {
    await waitFor(() => adapter.sockets.length === i, 2000, 'attempt ' + i);
    adapter.last().drop(1006);
  }
  assert.equal(client.state, 'offline');
  assert.ok(events.some((e) => e[0] === 'gaveup'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(adapter.sockets.length, 3, 'no attempt while offline');
  adapter.showApp();
  await waitFor(() => adapter.sockets.length === 4, 2000, 'retry on foreground');
  handshake(adapter);
  assert.equal(client.state, 'open');
  adapter.last().drop(1006);
  for (let i = 5; i <= 6; i++) {
    await waitFor(() => adapter.sockets.length === i, 2000, 'attempt ' + i);
    adapter.last().drop(1006);
  }
  assert.equal(client.state, 'offline');
  adapter.goOnline();
  await waitFor(() => adapter.sockets.length === 7, 2000, 'retry when online');
  client.close();
});

test('an error naming a message removes it from the outbox', async () => {
  const { client, adapter, events } = make();
  const s = await started(client, adapter);
  const item = client.send('x');
  s.push({ type: 'error', code: 'text_too_long', message: 'too long', client_msg_id: item.client_msg_id });
  assert.equal(client.outbox.size, 0);
  assert.ok(events.some((e) => e[0] === 'rejected'));
  client.close();
});

test('send refuses a bad length with one error event and queues nothing', () => {
  const { client, events } = make();
  assert.equal(client.send(''), null);
  assert.equal(client.send('a'.repeat(4001)), null);
  assert.deepEqual(events.filter((e) => e[0] === 'error').map((e) => e[1].code), ['text_length', 'text_length']);
  assert.equal(client.outbox.size, 0);
  assert.equal(client.send('😀'.repeat(4000)).text.length, 8000);
});
