// The example mini-program in docs/miniprogram/, run as WeChat would run it
// (App, Page, getApp, require of its own files) in the bare runtime, in its
// dev-login mode against daphne, as a developer would try it with `make run`.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { DaphneServer, serverAvailable, waitFor } = require('./helpers/server.js');
const { createRuntime, createWx } = require('./helpers/wx-runtime.js');

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'docs', 'miniprogram');
const BUNDLE = path.join(ROOT, 'chat', 'static', 'chat', 'csbot-sdk.js');
const skip = !serverAvailable() && 'server not present';
// A 40×30 PNG, as a photo picked in the album would be a file on the phone.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAACgAAAAeCAIAAADRv8uKAAAALElEQVR4nO3NMQEAAAQAMETSP4BYKvg8W4HldMeHelnFYrFYLBaLxWKxWHyyVMYBaNceIy8AAAAASUVORK5CYII=';

/** Load the example's files into `runtime` with a require like WeChat's (relative files only). */
function loadExample(runtime, baseUrl) {
  const cache = new Map();
  function load(file) {
    const full = path.normalize(file);
    if (cache.has(full)) return cache.get(full).exports;
    // utils/csbot-sdk.js is what `make miniprogram-sdk` copies in.
    const source = full === path.join(EXAMPLE, 'utils', 'csbot-sdk.js') ? BUNDLE : full;
    const mod = vm.runInContext('({ exports: {} })', runtime.context);
    cache.set(full, mod);
    const fn = vm.compileFunction(fs.readFileSync(source, 'utf8'), ['module', 'exports', 'require'],
      { parsingContext: runtime.context, filename: path.relative(EXAMPLE, full) });
    fn(mod, mod.exports, (name) => load(path.join(path.dirname(full), name)));
    if (full === path.join(EXAMPLE, 'config.js')) {
      mod.exports.BASE_URL = baseUrl; // the test server's port
      mod.exports.TEMPLATE_IDS = ['TPL-REPLY']; // as a deployment with notifications sets it
    }
    return mod.exports;
  }
  return load;
}

function setData(page, patch) {
  for (const [key, value] of Object.entries(patch)) {
    const m = /^(\w+)\[(\d+)\]$/.exec(key);
    if (m) page.data[m[1]][Number(m[2])] = value;
    else page.data[key] = value;
  }
}

test('the example chats in dev-login mode against a development server', { skip, timeout: 120000 }, async (t) => {
  const config = fs.readFileSync(path.join(EXAMPLE, 'config.js'), 'utf8');
  assert.match(config, /BASE_URL: 'http:\/\/127\.0\.0\.1:8000'/, 'points at `make run` by default');
  assert.match(config, /LOGIN: 'dev'/);
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const runtime = createRuntime();
  const { wx, control } = createWx(runtime, { platform: 'devtools' });
  control.subscribe({ 'TPL-REPLY': 'accept' });
  const toasts = [];
  wx.showToast = (o) => toasts.push(o.title);
  wx.showModal = () => {};
  let app = null;
  let pageDef = null;
  Object.assign(runtime.context, {
    wx,
    App: (def) => { app = def; },
    Page: (def) => { pageDef = def; },
    getApp: () => app,
  });
  const load = loadExample(runtime, srv.baseUrl);
  load(path.join(EXAMPLE, 'app.js'));
  t.after(async () => {
    if (app && app.globalData.chat) app.globalData.chat.close();
    await srv.stop();
  });
  app.onLaunch();
  load(path.join(EXAMPLE, 'pages', 'chat', 'chat.js'));
  const page = Object.assign(Object.create(pageDef), { data: JSON.parse(JSON.stringify(pageDef.data)) });
  page.setData = (patch) => setData(page, patch);
  page.onLoad();
  await waitFor(() => page.data.state === 'open', 15000, 'page shows the chat open');
  page.setData({ input: '你好，我的订单' });
  page.onSend();
  assert.equal(page.data.input, '');
  await waitFor(() => page.data.items.some((it) => it.mine && it.text === '你好，我的订单' && it.seq === 1 && !it.pending), 10000, 'acked bubble');
  // Sending asked for subscription consent, and what was accepted went to the server.
  await waitFor(() => control.requests.some((r) => r.url.endsWith('/api/wx/subscriptions')), 10000, 'consent reported');
  const consent = control.requests.find((r) => r.url.endsWith('/api/wx/subscriptions'));
  assert.deepEqual(JSON.parse(JSON.stringify(consent.data)), { template_ids: ['TPL-REPLY'] }); // made in the runtime's realm
  // A photo picked with wx.chooseMedia goes up with wx.uploadFile and shows as a thumbnail.
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'csbot-example-'));
  const photo = path.join(dir, 'tmp_photo.png');
  fs.writeFileSync(photo, Buffer.from(PNG, 'base64'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  control.pick(photo);
  page.onPickImage();
  await waitFor(() => page.data.items.some((it) => it.mine && it.thumb && it.seq === 2 && !it.pending), 15000, 'picture bubble');
  const bubble = page.data.items.find((it) => it.seq === 2);
  assert.match(bubble.thumb, /^http:\/\/127\.0\.0\.1:\d+\/api\/chat\/media\/file\/.+\.thumb\.jpg\?e=\d+&s=/);
  assert.equal((await fetch(bubble.url)).status, 200);
  // Half an emoji: refused once with a toast, the text stays in the box.
  page.setData({ input: 'broken \uD83D' });
  page.onSend();
  assert.equal(page.data.input, 'broken \uD83D');
  assert.equal(toasts.length, 1);
  assert.match(toasts[0], /无法发送/);
  page.onUnload();
});
