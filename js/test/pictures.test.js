// Pictures (contract section 8): sendImage uploads, then queues a message
// carrying the media_id; the wx adapter uploads with wx.uploadFile; in the
// bare mini-program runtime a picture reaches a real server and comes back
// with signed URLs the SDK makes absolute.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CsbotClient } = require('../../chat/static/chat/csbot-sdk.js');
const { createFakeAdapter, handshake } = require('./helpers/fake-adapter.js');
const { loadMiniProgram } = require('./helpers/wx-runtime.js');
const { DaphneServer, serverAvailable, waitFor } = require('./helpers/server.js');

// A 40×30 red PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAACgAAAAeCAIAAADRv8uKAAAALElEQVR4nO3NMQEAAAQAMETSP4BYKvg8W4HldMeHelnFYrFYLBaLxWKxWHyyVMYBaNceIy8AAAAASUVORK5CYII=', 'base64');
const skip = !serverAvailable() && 'server not present';

function withUploads(answers) {
  const adapter = createFakeAdapter();
  adapter.uploads = [];
  adapter.upload = async (req) => {
    adapter.uploads.push(req);
    return answers.shift();
  };
  const client = new CsbotClient({ baseUrl: 'https://cs.example.com', adapter, login: 'dev', openid: 'o1', longPoll: false });
  return { client, adapter };
}

const UPLOADED = {
  media_id: '41', mime: 'image/png', bytes: 900, width: 40, height: 30,
  url: '/api/chat/media/file/chat/a.png?e=1&s=x', thumb_url: '/api/chat/media/file/chat/a.thumb.jpg?e=1&s=y',
};

test('sendImage uploads with the token, then sends a message naming the upload', async () => {
  const { client, adapter } = withUploads([{ status: 200, data: UPLOADED }]);
  client.start();
  await waitFor(() => adapter.sockets.length === 1, 2000, 'socket');
  const socket = handshake(adapter);
  const pending = [];
  client.on('pending', (item) => pending.push(item));
  const item = await client.sendImage({ name: 'cup.png' }, '杯子碎了');
  assert.equal(adapter.uploads.length, 1);
  assert.equal(adapter.uploads[0].url, 'https://cs.example.com/api/chat/media');
  assert.match(adapter.uploads[0].headers.Authorization, /^Bearer tok-/);
  const [frame] = socket.sentOf('message');
  assert.deepEqual(frame, { type: 'message', client_msg_id: item.client_msg_id, text: '杯子碎了', media_id: '41' });
  // The pending bubble can show the picture at once, with URLs the app can load.
  assert.equal(pending[0].media.thumb_url, 'https://cs.example.com' + UPLOADED.thumb_url);
  const seen = [];
  client.on('message', (m) => seen.push(m));
  socket.push({ type: 'ack', client_msg_id: item.client_msg_id, msg_id: '9', conversation_id: 'c1', seq: 1, ts: 1 });
  assert.equal(seen[0].media.url, 'https://cs.example.com' + UPLOADED.url);
  assert.equal(client.outbox.list().length, 0);
  client.close();
});

test('a picture the server refuses is reported once and nothing is queued', async () => {
  const { client } = withUploads([{ status: 413, data: { error: 'too_large' } }]);
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  assert.equal(await client.sendImage({ name: 'huge.jpg' }), null);
  assert.deepEqual(errors, ['too_large']);
  assert.equal(client.outbox.list().length, 0);
});

test('a file larger than welcome.max_media_bytes is refused without uploading', async () => {
  const { client, adapter } = withUploads([]);
  client.start();
  await waitFor(() => adapter.sockets.length === 1, 2000, 'socket');
  const s = adapter.last();
  s.open();
  s.push({ type: 'welcome', conversation: { id: 'c1', status: 'bot' }, last_seq: 0, heartbeat_s: 10, max_frame_bytes: 65536,
           max_media_bytes: 1000, compress: [], recovered: false, server_time: Date.now() });
  s.push({ type: 'synced', last_seq: 0 });
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  assert.equal(await client.sendImage({ name: 'big.jpg', size: 1001 }), null);
  assert.deepEqual(errors, ['too_large']);
  assert.equal(adapter.uploads.length, 0);
  client.close();
});

test('an expired token logs in again and uploads once more', async () => {
  const { client, adapter } = withUploads([{ status: 401, data: { error: 'unauthorized' } }, { status: 200, data: UPLOADED }]);
  const answer = await client.uploadImage({ name: 'a.png' });
  assert.equal(answer.media_id, '41');
  assert.equal(adapter.uploads.length, 2);
  assert.notEqual(adapter.uploads[0].headers.Authorization, adapter.uploads[1].headers.Authorization);
});

test('a message frame from the server with a picture gets absolute URLs', async () => {
  const { client, adapter } = withUploads([]);
  client.start();
  await waitFor(() => adapter.sockets.length === 1, 2000, 'socket');
  const seen = [];
  client.on('message', (m) => seen.push(m));
  handshake(adapter, { lastSeq: 1, page: [{ msg_id: '1', conversation_id: 'c1', seq: 1, sender: 'agent', text: '', ts: 1,
    media: { url: '/u?s=1', thumb_url: '/t?s=1', mime: 'image/jpeg', width: 2, height: 1 } }] });
  assert.equal(seen[0].media.thumb_url, 'https://cs.example.com/t?s=1');
  client.close();
});

test('in the bare mini-program runtime a picture goes up with wx.uploadFile and comes back signed', { skip, timeout: 120000 }, async (t) => {
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csbot-wx-'));
  const file = path.join(dir, 'tmp_cup.png');
  fs.writeFileSync(file, PNG);
  const { sdk, control } = loadMiniProgram({ platform: 'android' });
  const client = new sdk.CsbotClient({ baseUrl: srv.baseUrl, adapter: 'wx', login: 'dev', openid: 'wx-pic-1' });
  t.after(async () => {
    client.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  client.start();
  await waitFor(() => client.state === 'open', 15000, 'open');
  const acks = [];
  client.on('ack', (a) => acks.push(a));
  const messages = [];
  client.on('message', (m) => messages.push(m));
  const item = await client.sendImage(file, '');
  assert.ok(item, 'queued');
  assert.equal(control.uploads[0].name, 'file');
  await waitFor(() => acks.length === 1, 10000, 'ack');
  assert.equal(messages[0].media.mime, 'image/png');
  const thumb = await fetch(messages[0].media.thumb_url);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
  // Not a picture: refused by content, whatever the name says.
  fs.writeFileSync(file, 'just words');
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  assert.equal(await client.sendImage(file, ''), null);
  assert.deepEqual(errors, ['unsupported_type']);
});
