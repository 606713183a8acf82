// The close-code table of protocol v1.1, played code by code against a
// scripted server: what the client does next, and what it tells the app.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { CsbotClient } = require('../../chat/static/chat/csbot-sdk.js');
const { createFakeAdapter, handshake } = require('./helpers/fake-adapter.js');
const { waitFor, sleep } = require('./helpers/server.js');

const BACKOFF_MS = 200;

function make() {
  const adapter = createFakeAdapter();
  const client = new CsbotClient({
    baseUrl: 'http://127.0.0.1:1', adapter, login: 'dev', openid: 'o1', jsonOnly: true,
    backoff: { baseMs: BACKOFF_MS, capMs: BACKOFF_MS }, random: () => 1 - 1e-9, longPoll: false,
  });
  const events = [];
  for (const name of ['state', 'kick', 'error', 'rejected', 'relogin']) client.on(name, (...a) => events.push([name, ...a]));
  return { client, adapter, events };
}

async function openClient() {
  const x = make();
  x.client.start();
  await waitFor(() => x.adapter.sockets.length === 1, 2000, 'first socket');
  handshake(x.adapter);
  assert.equal(x.client.state, 'open');
  return x;
}

/** The socket count right after the close, a little later, and well after the backoff. */
async function socketsAfter(adapter) {
  const at = [];
  await sleep(40);
  at.push(adapter.sockets.length);
  await sleep(BACKOFF_MS + 400);
  at.push(adapter.sockets.length);
  return at;
}

// code -> [sockets 40 ms after, sockets after the backoff, state after]
const TABLE = {
  1000: [1, 2, 'reconnecting'], // unasked: reconnect with backoff
  1001: [2, 2, 'reconnecting'], // at once
  1009: [1, 2, 'reconnecting'],
  1011: [1, 2, 'reconnecting'],
  1013: [1, 2, 'reconnecting'],
  1006: [1, 2, 'reconnecting'],
  4400: [1, 2, 'reconnecting'],
  4401: [2, 2, 'reconnecting'], // new login, at once
  4403: [1, 1, 'stopped'],
  4408: [2, 2, 'reconnecting'],
  4409: [1, 1, 'stopped'],
  4410: [1, 1, 'stopped'],
  4413: [1, 2, 'reconnecting'],
  4429: [1, 1, 'reconnecting'], // never sooner than 5 s
};

for (const [code, [soon, later, state]] of Object.entries(TABLE)) {
  test(`close ${code}: ${state === 'stopped' ? 'stops' : 'reconnects'} as the contract says`, async () => {
    const { client, adapter, events } = await openClient();
    if (code === '4409') adapter.last().push({ type: 'kick', reason: 'signed_in_elsewhere' });
    adapter.last().drop(Number(code));
    assert.deepEqual(await socketsAfter(adapter), [soon, later]);
    assert.equal(client.state === 'stopped' ? 'stopped' : 'reconnecting', state);
    const errors = events.filter((e) => e[0] === 'error').map((e) => e[1].code);
    const kicks = events.filter((e) => e[0] === 'kick');
    if (code === '4403') assert.deepEqual(errors, ['forbidden']);
    else if (code === '4400') assert.deepEqual(errors, ['protocol_error']);
    else if (code === '1009') assert.deepEqual(errors, ['frame_too_big']);
    else assert.deepEqual(errors, []);
    assert.equal(kicks.length, code === '4409' ? 1 : 0, 'only 4409 tells the user about another device');
    if (code === '4401') assert.equal(adapter.last().headers.Authorization, 'Bearer tok-2');
    client.close();
  });
}

test('1000 while the mini-program is in the background waits for onAppShow, then resumes', async () => {
  const adapter = createFakeAdapter();
  adapter.suspendsInBackground = true;
  let hide = null;
  adapter.onBackground = (cb) => {
    hide = cb;
    return () => {};
  };
  const client = new CsbotClient({
    baseUrl: 'http://127.0.0.1:1', adapter, login: 'dev', openid: 'o1', jsonOnly: true,
    backoff: { baseMs: 10, capMs: 10 }, longPoll: false,
  });
  client.start();
  await waitFor(() => adapter.sockets.length === 1, 2000, 'socket');
  handshake(adapter, { lastSeq: 3, page: [1, 2, 3].map((seq) => ({ msg_id: 'm' + seq, conversation_id: 'c1', seq, sender: 'bot', text: 't', ts: 1 })) });
  hide();
  adapter.last().drop(1000);
  await sleep(200);
  assert.equal(adapter.sockets.length, 1, 'no socket opened while WeChat has the app frozen');
  assert.equal(client.state, 'reconnecting');
  adapter.showApp();
  await waitFor(() => adapter.sockets.length === 2, 1000, 'reconnect on show');
  adapter.last().open();
  assert.deepEqual(adapter.last().sentOf('hello')[0].resume, { conversation_id: 'c1', last_seq: 3 });
  client.close();
});

test('4410 right after the client gave up on a socket that sent hello: reconnects instead of stopping', async () => {
  const { client, adapter } = make();
  client.start();
  await waitFor(() => adapter.sockets.length === 1, 2000, 'socket');
  const zombie = adapter.last();
  zombie.open(); // hello sent; then the handshake stalls and the client moves on
  client._abandon('sync_timeout');
  await waitFor(() => adapter.sockets.length === 2, 2000, 'retry');
  handshake(adapter);
  // The server accepted the stalled hello last and replaced the new socket.
  adapter.last().drop(4410);
  await waitFor(() => adapter.sockets.length === 3, 2000, 'reconnect after 4410');
  assert.notEqual(client.state, 'stopped');
  client.close();
});

test('a wake-up while an attempt is in flight does not start another', async () => {
  const { client, adapter } = await openClient();
  adapter.last().drop(1001);
  await waitFor(() => adapter.sockets.length === 2, 1000, 'reconnect');
  for (let i = 0; i < 3; i++) {
    adapter.showApp();
    adapter.goOnline();
  }
  await sleep(100);
  assert.equal(adapter.sockets.length, 2);
  handshake(adapter);
  assert.equal(client.state, 'open');
  client.close();
});
