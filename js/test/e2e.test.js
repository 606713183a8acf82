// End-to-end tests: the bundled SDK with its real wx adapter (over a `ws`
// shim) against real daphne processes on 127.0.0.1.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { DaphneServer, serverAvailable, waitFor, nextEvent, sleep } = require('./helpers/server.js');
const { createWxShim } = require('./helpers/wx-shim.js');
const { CsbotClient, adapters } = require('../../chat/static/chat/csbot-sdk.js');

const skip = !serverAvailable() && 'server not present';
const FAST = { baseMs: 100, capMs: 1000 };
let openidCounter = 0;
const uniqueOpenid = () => 'js-e2e-' + process.pid + '-' + ++openidCounter;

function makeClient(srv, options = {}) {
  const { storage, ...rest } = options;
  const wx = createWxShim({ storage });
  const client = new CsbotClient(Object.assign({
    baseUrl: srv.baseUrl, wx, login: 'dev', openid: uniqueOpenid(), backoff: FAST, longPoll: false,
  }, rest));
  const seen = [];
  client.on('message', (m) => seen.push(m));
  return { client, wx, seen };
}

function tokenOf(wx) {
  return JSON.parse(wx._storage.get('csbot.token')).token;
}

/** Every message the server holds for the customer, read over the long-poll API. */
async function serverMessages(srv, token) {
  const res = await fetch(srv.baseUrl + '/api/chat/poll?after_seq=0&timeout=0', { headers: { Authorization: 'Bearer ' + token } });
  assert.equal(res.status, 200);
  return (await res.json()).messages;
}

async function postOverHttp(srv, token, clientMsgId, text) {
  const res = await fetch(srv.baseUrl + '/api/chat/messages', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify({ client_msg_id: clientMsgId, text }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function open(client) {
  const synced = nextEvent(client, 'synced', 15000);
  client.start();
  await synced;
}

test('end to end against daphne', { skip, timeout: 240000 }, async (t) => {
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const clients = [];
  const track = (x) => {
    clients.push(x.client);
    return x;
  };
  t.after(async () => {
    for (const c of clients) c.close();
    await srv.stop();
  });

  await t.test('connects in proto mode and gets an ack per message', async () => {
    const { client } = track(makeClient(srv));
    await open(client);
    assert.equal(client.state, 'open');
    assert.equal(client._sock.protocol, 'csbot.v1.proto');
    const acked = nextEvent(client, 'ack', 10000);
    client.send('hello');
    const [ack] = await acked;
    assert.equal(ack.seq, 1);
    assert.equal(client.outbox.size, 0);
  });

  await t.test('the browser adapter connects with the token in the query', async () => {
    const WebSocket = require('ws');
    const store = new Map();
    const fakeWindow = {
      WebSocket, fetch, AbortController,
      localStorage: { getItem: (k) => (store.has(k) ? store.get(k) : null), setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) },
      addEventListener() {}, removeEventListener() {},
    };
    const client = new CsbotClient({
      baseUrl: srv.baseUrl, adapter: adapters.createBrowserAdapter(fakeWindow), login: 'dev', backoff: FAST, longPoll: false,
    });
    clients.push(client);
    await open(client);
    assert.equal(client._sock.protocol, 'csbot.v1.proto');
    const acked = nextEvent(client, 'ack', 10000);
    client.send('from a browser');
    await acked;
    assert.ok(store.get('csbot.device_id'));
  });

  await t.test('JSON-only clients get csbot.v1.json', async () => {
    const { client } = track(makeClient(srv, { jsonOnly: true }));
    await open(client);
    assert.equal(client._sock.protocol, 'csbot.v1.json');
    const acked = nextEvent(client, 'ack', 10000);
    client.send('json hello');
    await acked;
  });

  await t.test('outbox persisted while stopped is flushed once after the next start', async () => {
    const storage = new Map();
    const first = track(makeClient(srv, { storage }));
    await open(first.client);
    const openid = first.client.auth.openid;
    first.client.close();
    const queued = ['one', 'two', 'three'].map((text) => first.client.send(text));
    // A message whose ack was lost: already stored, still in the outbox.
    const lost = await postOverHttp(srv, tokenOf(first.wx), 'lost-ack-1', 'zero');
    const box = JSON.parse(storage.get('csbot.outbox'));
    box.unshift({ client_msg_id: lost.client_msg_id, text: 'zero', created_at: 0 });
    storage.set('csbot.outbox', JSON.stringify(box));

    const second = track(makeClient(srv, { storage, openid }));
    await open(second.client);
    await waitFor(() => second.client.outbox.size === 0, 10000, 'outbox flushed');
    const texts = (await serverMessages(srv, tokenOf(second.wx))).filter((m) => m.sender === 'customer').map((m) => m.text);
    assert.deepEqual(texts, ['zero', 'one', 'two', 'three']);
    assert.equal(queued.length, 3);
  });

  await t.test('resume after a pause replays what was missed, in order', async () => {
    const { client, wx, seen } = track(makeClient(srv));
    await open(client);
    const acked = nextEvent(client, 'ack', 10000);
    client.send('before');
    await acked;
    const before = client.sequencer.lastSeq(client.conversation.id);
    client.close();
    for (let i = 0; i < 3; i++) await postOverHttp(srv, tokenOf(wx), 'elsewhere-' + i, 'missed ' + i);
    const welcome = nextEvent(client, 'welcome', 15000);
    await open(client);
    assert.equal((await welcome).recovered, true);
    await waitFor(() => seen.length >= before + 3, 5000, 'replay');
    assert.deepEqual(seen.map((m) => m.seq), [1, 2, 3, 4].slice(0, before + 3));
    assert.deepEqual(seen.slice(-3).map((m) => m.text), ['missed 0', 'missed 1', 'missed 2']);
  });

  await t.test('a seq gap is filled with a history request', async () => {
    const { client, wx, seen } = track(makeClient(srv, { jsonOnly: true }));
    await open(client);
    const acked = nextEvent(client, 'ack', 10000);
    client.send('first');
    await acked;
    // Lose the wake-up of seq 2 on the way in, as a dropped channel-layer event would.
    const sock = wx._sockets[wx._sockets.length - 1];
    const realEmit = sock.emit.bind(sock);
    let dropped = 0;
    sock.emit = (event, data, isBinary, ...rest) => {
      if (event === 'message' && !isBinary && /"seq":\s*2\b/.test(data.toString()) && !/"history"/.test(data.toString())) {
        dropped += 1;
        return true;
      }
      return realEmit(event, data, isBinary, ...rest);
    };
    const sentHistory = [];
    const realSend = sock.send.bind(sock);
    sock.send = (data, ...rest) => {
      if (typeof data === 'string' && data.includes('"history"')) sentHistory.push(JSON.parse(data));
      return realSend(data, ...rest);
    };
    for (let i = 2; i <= 3; i++) await postOverHttp(srv, tokenOf(wx), 'gap-' + i, 'gap ' + i);
    await waitFor(() => seen.length >= 3, 8000, 'gap filled');
    assert.equal(dropped, 1, 'seq 2 should have been dropped once');
    assert.deepEqual(seen.map((m) => m.seq), [1, 2, 3]);
    assert.equal(sentHistory.length, 1);
    assert.equal(sentHistory[0].before_seq, 3);
  });

  await t.test('a second device kicks the first, which stops', async () => {
    const a = track(makeClient(srv));
    await open(a.client);
    const kicked = nextEvent(a.client, 'kick', 10000);
    const stopped = nextEvent(a.client, 'state', 10000, (s) => s === 'stopped');
    const b = track(makeClient(srv, { openid: a.client.auth.openid }));
    await open(b.client);
    assert.equal((await kicked).reason, 'signed_in_elsewhere');
    await stopped;
    await sleep(1500);
    assert.equal(a.client.state, 'stopped', 'a kicked client must not reconnect');
    assert.equal(b.client.state, 'open');
  });

  await t.test('a bad token leads to a new login and a working socket', async () => {
    const storage = new Map();
    storage.set('csbot.token', JSON.stringify({ token: 'garbage-token', refresh_at: 0 }));
    const { client, wx } = track(makeClient(srv, { storage }));
    const relogin = nextEvent(client, 'relogin', 10000);
    await open(client);
    await relogin;
    assert.notEqual(tokenOf(wx), 'garbage-token');
    assert.equal(client.state, 'open');
  });

  await t.test('large frames travel Snappy-compressed protobuf both ways', async () => {
    const { client, wx } = track(makeClient(srv));
    await open(client);
    let compressedIn = 0;
    const sock = wx._sockets[wx._sockets.length - 1];
    sock.on('message', (data, isBinary) => {
      if (isBinary && data[0] === 1) compressedIn += 1;
    });
    const long = '长消息 long message '.repeat(150); // about 3 KB of UTF-8
    const acked = nextEvent(client, 'ack', 10000);
    client.send(long); // goes out compressed: the server reads it back to ack it
    const [ack] = await acked;
    const history = await client.loadHistory(ack.seq + 1, 10);
    assert.equal(history[history.length - 1].text, long);
    assert.ok(compressedIn >= 1, 'the history frame should arrive Snappy-compressed');
  });

  await t.test('long-poll fallback sends and receives when sockets fail', async () => {
    const { client, wx, seen } = track(makeClient(srv, {
      wsUrl: 'ws://127.0.0.1:9/ws/chat/', // nothing listens on the discard port
      longPoll: { afterFailures: 1, timeoutS: 2 }, maxFailures: 3,
    }));
    const transport = nextEvent(client, 'transport', 10000, (t) => t === 'poll');
    client.start();
    await transport;
    const acked = nextEvent(client, 'ack', 10000);
    client.send('over http');
    await acked;
    await postOverHttp(srv, tokenOf(wx), 'poll-other', 'from elsewhere');
    await waitFor(() => seen.some((m) => m.text === 'from elsewhere'), 10000, 'poll delivery');
    assert.deepEqual(seen.map((m) => m.text), ['over http', 'from elsewhere']);
  });
});

test('reconnects after the server is killed and restarted, losing nothing', { skip, timeout: 180000 }, async (t) => {
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const { client, wx } = makeClient(srv, { maxFailures: 50 });
  t.after(async () => {
    client.close();
    await srv.stop();
  });
  const states = [];
  client.on('state', (s) => states.push(s));
  await open(client);
  for (const text of ['a1', 'a2']) client.send(text);
  await waitFor(() => client.outbox.size === 0, 10000, 'first acks');

  await srv.kill();
  await waitFor(() => client.state === 'reconnecting', 10000, 'reconnecting');
  for (const text of ['b1', 'b2', 'b3']) client.send(text);
  assert.equal(client.outbox.size, 3);
  await sleep(1500);
  const resumed = nextEvent(client, 'welcome', 30000);
  await srv.start();
  assert.equal((await resumed).recovered, true);
  await waitFor(() => client.outbox.size === 0, 15000, 'outbox flushed');
  const texts = (await serverMessages(srv, tokenOf(wx))).filter((m) => m.sender === 'customer').map((m) => m.text);
  assert.deepEqual(texts, ['a1', 'a2', 'b1', 'b2', 'b3']);
  assert.ok(states.includes('reconnecting'));
  assert.equal(client.state, 'open');
});

test('wx.login codes are traded for a token through /api/auth/wx-login', { skip, timeout: 120000 }, async (t) => {
  const http = require('node:http');
  const codes = [];
  // A local stand-in for WeChat's jscode2session.
  const fakeWechat = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    res.setHeader('content-type', 'application/json');
    if (url.pathname !== '/sns/jscode2session') {
      res.statusCode = 404;
      res.end('{}');
      return;
    }
    codes.push(url.searchParams.get('js_code'));
    res.end(JSON.stringify({ openid: 'wx-openid-e2e', session_key: 'session-key-e2e' }));
  });
  await new Promise((r) => fakeWechat.listen(0, '127.0.0.1', r));
  const srv = new DaphneServer({
    CSBOT_WX_API_BASE: 'http://127.0.0.1:' + fakeWechat.address().port,
    CSBOT_WX_APPID: 'wx-test-app', CSBOT_WX_SECRET: 'wx-test-secret',
  });
  srv.migrate();
  await srv.start();
  const { client, wx } = makeClient(srv, { login: 'wx', openid: undefined });
  t.after(async () => {
    client.close();
    await srv.stop();
    await new Promise((r) => fakeWechat.close(r));
  });
  await open(client);
  assert.equal(codes.length, 1);
  assert.match(codes[0], /^code-\d+$/);
  assert.ok(tokenOf(wx));
  const acked = nextEvent(client, 'ack', 10000);
  client.send('from the mini-program');
  await acked;
});
