// The built bundle in a runtime holding only what WeChat's has (see
// helpers/wx-runtime.js), chatting with a real daphne: log-in, connect, send,
// receive, resume, re-login after 4401, background and foreground, the
// storage limit and text that is not valid Unicode.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { DaphneServer, serverAvailable, waitFor, nextEvent, sleep } = require('./helpers/server.js');
const { loadMiniProgram, inRuntime, ABSENT } = require('./helpers/wx-runtime.js');

const skip = !serverAvailable() && 'server not present';
const FAST = { baseMs: 100, capMs: 1000 };
let counter = 0;
const uniqueOpenid = () => 'mp-' + process.pid + '-' + ++counter;

test('the bundle loads in the bare runtime without TextDecoder, eval or the Function constructor', () => {
  const { sdk, runtime } = loadMiniProgram();
  for (const name of ABSENT) assert.equal(inRuntime(runtime, 'typeof ' + name), 'undefined', name + ' must be absent');
  assert.throws(() => inRuntime(runtime, 'eval("1")'), (e) => e.name === 'EvalError');
  assert.throws(() => inRuntime(runtime, 'new Function("return 1")'), (e) => e.name === 'EvalError');
  assert.equal(typeof sdk.CsbotClient, 'function');
  // The protobuf codec works here too: UTF-8 in plain JS, no generated code.
  const codec = sdk.getProtoCodec();
  const frame = { type: 'message', client_msg_id: 'm1', text: '你好 😀 ok' };
  assert.deepEqual(Object.assign({}, codec.decodeBody(codec.encodeBody(frame))), frame);
  const { Wire, jsonCodec } = sdk.internals;
  const wire = new Wire(jsonCodec);
  wire.configure({ compress: ['snappy'], max_frame_bytes: 65536 });
  const big = { type: 'message', text: '长'.repeat(2000) };
  assert.equal(wire.decode(wire.encode(big)).text, big.text);
});

test('platforms: PC, Mac and HarmonyOS WeChat are reported as themselves', () => {
  const cases = { windows: 'windows', mac: 'mac', ohos: 'ohos', devtools: 'devtools', ios: 'ios', android: 'android', OHOS: 'ohos', linux: 'other' };
  for (const [value, expected] of Object.entries(cases)) {
    const { sdk } = loadMiniProgram({ platform: value });
    const client = new sdk.CsbotClient({ baseUrl: 'http://127.0.0.1:1', login: 'dev' });
    assert.equal(client.platform, expected, value);
  }
  // Base libraries without getDeviceInfo fall back to getSystemInfoSync.
  const { sdk, wx } = loadMiniProgram({ platform: 'mac' });
  delete wx.getDeviceInfo;
  assert.equal(new sdk.CsbotClient({ baseUrl: 'http://127.0.0.1:1', login: 'dev' }).platform, 'mac');
});

test('send() refuses text with a lone surrogate once, and an old outbox entry with one is dropped, never sent', () => {
  const storage = new Map();
  storage.set('csbot.outbox', JSON.stringify([{ client_msg_id: 'old-1', text: 'half an emoji \uD83D', created_at: 1 }]));
  const { sdk } = loadMiniProgram({ storage });
  const client = new sdk.CsbotClient({ baseUrl: 'http://127.0.0.1:1', login: 'dev', longPoll: false, maxFailures: 1 });
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  assert.equal(client.send('cut \uDE00 here'), null);
  assert.equal(client.send('\uD83D'), null);
  assert.deepEqual(errors, ['bad_text', 'bad_text']);
  client.start(); // sweeps the outbox
  client.close();
  assert.deepEqual(errors, ['bad_text', 'bad_text', 'bad_text']);
  assert.deepEqual(JSON.parse(storage.get('csbot.outbox')), []);
  assert.equal(client.outbox.size, 0);
});

for (const [label, itemLimit] of [['the SDK\'s own 1 MB budget', 1024 * 1024], ['a storage that refuses earlier', 300 * 1024]]) {
  test(`storage at its limit (${label}): one storage_full error, memory and storage agree`, () => {
    const storage = new Map();
    const { sdk } = loadMiniProgram({ storage, storageItemLimit: itemLimit });
    const client = new sdk.CsbotClient({ baseUrl: 'http://127.0.0.1:1', login: 'dev', longPoll: false });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    const text = '满'.repeat(4000); // 12 KB of UTF-8
    let queued = 0;
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      if (client.send(text)) queued += 1;
      else refused += 1;
      if (refused) break;
    }
    assert.equal(refused, 1);
    assert.ok(queued > 10, 'queued ' + queued);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'storage_full');
    assert.doesNotMatch(errors[0].message, /setStorageSync/);
    const stored = JSON.parse(storage.get('csbot.outbox'));
    assert.equal(stored.length, client.outbox.size);
    assert.equal(JSON.stringify(stored.map((m) => m.client_msg_id)), JSON.stringify(client.outbox.list().map((m) => m.client_msg_id)));
    // A short message still fits once one has gone.
    client.outbox.remove(stored[0].client_msg_id);
    assert.ok(client.send('short'));
    assert.equal(JSON.parse(storage.get('csbot.outbox')).length, client.outbox.size);
  });
}

test('mini-program runtime against daphne', { skip, timeout: 240000 }, async (t) => {
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await srv.stop();
  });

  function make(options = {}, wxOptions = {}) {
    const mp = loadMiniProgram(Object.assign({ platform: 'ohos' }, wxOptions));
    const client = new mp.sdk.CsbotClient(Object.assign({
      baseUrl: srv.baseUrl, login: 'dev', openid: uniqueOpenid(), backoff: FAST, longPoll: false,
    }, options));
    clients.push(client);
    const seen = [];
    client.on('message', (m) => seen.push(m));
    return Object.assign(mp, { client, seen });
  }
  const token = (mp) => JSON.parse(mp.control.storage.get('csbot.token')).token;
  async function open(client) {
    const synced = nextEvent(client, 'synced', 15000);
    client.start();
    await synced;
  }
  async function postOverHttp(mp, id, text) {
    const res = await fetch(srv.baseUrl + '/api/chat/messages', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token(mp), 'content-type': 'application/json' },
      body: JSON.stringify({ client_msg_id: id, text }),
    });
    assert.equal(res.status, 200);
  }

  const mp = make();

  await t.test('logs in, connects in proto mode, sends and receives', async () => {
    await open(mp.client);
    assert.equal(mp.client._sock.protocol, 'csbot.v1.proto');
    assert.equal(mp.client.platform, 'ohos');
    const acked = nextEvent(mp.client, 'ack', 10000);
    assert.ok(mp.client.send('你好 from HarmonyOS 😀'));
    const [ack] = await acked;
    assert.equal(ack.seq, 1);
    await postOverHttp(mp, 'elsewhere-1', 'from the other side');
    await waitFor(() => mp.seen.length === 2, 10000, 'live delivery');
    assert.deepEqual(mp.seen.map((m) => m.text), ['你好 from HarmonyOS 😀', 'from the other side']);
  });

  await t.test('resumes after a close with what was missed', async () => {
    mp.client.close();
    await postOverHttp(mp, 'missed-1', 'missed one');
    await postOverHttp(mp, 'missed-2', 'missed two');
    const welcome = nextEvent(mp.client, 'welcome', 15000);
    await open(mp.client);
    assert.equal((await welcome).recovered, true);
    await waitFor(() => mp.seen.length === 4, 10000, 'replay');
    assert.deepEqual(mp.seen.map((m) => m.seq), [1, 2, 3, 4]);
  });

  await t.test('background: WeChat closes the socket with 1000 "interrupted"; onAppShow resumes', async () => {
    const disconnected = nextEvent(mp.client, 'disconnect', 5000);
    mp.control.hide();
    mp.control.interrupt();
    assert.deepEqual(Object.assign({}, await disconnected), { code: 1000, reason: 'interrupted' });
    await postOverHttp(mp, 'while-away', 'sent while you were away');
    await sleep(800);
    assert.equal(mp.client.state, 'reconnecting', 'waits for the foreground, does not stop');
    assert.equal(mp.control.liveTasks().length, 0, 'no socket opened while frozen');
    const welcome = nextEvent(mp.client, 'welcome', 15000);
    mp.control.show();
    assert.equal((await welcome).recovered, true);
    await waitFor(() => mp.seen.length === 5, 10000, 'missed message after foreground');
    assert.equal(mp.seen[4].text, 'sent while you were away');
    await waitFor(() => mp.client.state === 'open', 5000, 'open');
    assert.equal(mp.control.openTasks().length, 1);
  });

  await t.test('an expired or forged token (4401) leads to a new login and a working socket', async () => {
    mp.client.close();
    mp.control.storage.set('csbot.token', JSON.stringify({ token: 'forged-token', refresh_at: 0 }));
    const relogin = nextEvent(mp.client, 'relogin', 10000);
    await open(mp.client);
    await relogin;
    assert.notEqual(token(mp), 'forged-token');
    const acked = nextEvent(mp.client, 'ack', 10000);
    mp.client.send('after a new login');
    await acked;
  });

  await t.test('a message queued while stopped at the storage limit is sent once started', async () => {
    const other = make({}, { platform: 'windows', storageItemLimit: 200 * 1024 });
    await open(other.client);
    other.client.close();
    const errors = [];
    other.client.on('error', (e) => errors.push(e.code));
    let queued = 0;
    while (other.client.send('满'.repeat(4000))) queued += 1;
    assert.deepEqual(errors, ['storage_full']);
    await open(other.client);
    await waitFor(() => other.client.outbox.size === 0, 20000, 'outbox flushed');
    assert.equal(JSON.parse(other.control.storage.get('csbot.outbox')).length, 0);
    assert.equal(other.seen.filter((m) => m.sender === 'customer').length, queued);
  });

  assert.ok(mp.control.stats.maxLive <= 5);
  assert.equal(mp.control.stats.refused, 0);
});
