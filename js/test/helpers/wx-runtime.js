// A mini-program runtime for Node: a `vm` context holding only what WeChat's
// JS runtime has (the language built-ins, timers, console and a `wx` object),
// with string code generation switched off as WeChat does (no eval, no
// Function constructor). The `wx` object is backed by real WebSockets (`ws`)
// and real HTTP, and copies WeChat's quirks that matter to the SDK:
//   - SocketTask.close() on a task still connecting fails and does nothing;
//   - at most 5 SocketTasks at once; connectSocket fails past that;
//   - binary frames arrive as ArrayBuffer of the mini-program's own realm;
//   - setStorageSync throws past the per-key size limit;
//   - a backgrounded app's sockets are closed with {code: 1000, reason: "interrupted"}.
'use strict';
const vm = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require('ws');

const BUNDLE = path.resolve(__dirname, '..', '..', '..', 'chat', 'static', 'chat', 'csbot-sdk.js');
const MAX_TASKS = 5;
const STORAGE_ITEM_LIMIT = 1024 * 1024;

/** Names a browser or Node has and the mini-program runtime does not. */
const ABSENT = ['TextDecoder', 'TextEncoder', 'WebSocket', 'localStorage', 'fetch', 'window', 'document',
  'self', 'process', 'Buffer', 'global', 'require', 'XMLHttpRequest', 'AbortController', 'navigator'];

function createRuntime() {
  const sandbox = {
    console,
    setTimeout, clearTimeout, setInterval, clearInterval,
  };
  const context = vm.createContext(sandbox, { name: 'mini-program', codeGeneration: { strings: false, wasm: false } });
  const realm = {
    ArrayBuffer: vm.runInContext('ArrayBuffer', context),
    Uint8Array: vm.runInContext('Uint8Array', context),
  };
  return { context, realm };
}

/**
 * A `wx` object for `runtime`. Options: storage (Map), platform,
 * storageItemLimit (bytes), handshakeDelayMs (extra wait before onOpen).
 */
function createWx(runtime, { storage = new Map(), platform = 'ios', storageItemLimit = STORAGE_ITEM_LIMIT, loginCode } = {}) {
  const listeners = { show: [], hide: [], net: [] };
  const tasks = [];
  const stats = { created: 0, live: 0, maxLive: 0, refused: 0, closeWhileConnecting: 0 };
  let loginCounter = 0;

  function toRealmBuffer(buf) {
    const ab = new runtime.realm.ArrayBuffer(buf.byteLength);
    new runtime.realm.Uint8Array(ab).set(buf);
    return ab;
  }

  function connectSocket({ url, header, protocols, fail }) {
    if (stats.live >= MAX_TASKS) {
      stats.refused += 1;
      setTimeout(() => fail && fail({ errMsg: 'connectSocket:fail exceed max task count' }), 0);
      return { onOpen() {}, onMessage() {}, onClose() {}, onError() {}, send() {}, close() {} };
    }
    stats.created += 1;
    stats.live += 1;
    stats.maxLive = Math.max(stats.maxLive, stats.live);
    const ws = new WebSocket(url, protocols || [], { headers: header || {} });
    const h = { open: [], message: [], close: [], error: [] };
    const task = { ws, closed: false };
    tasks.push(task);
    let handshake = {};
    const closeOnce = (res) => {
      if (task.closed) return;
      task.closed = true;
      stats.live -= 1;
      h.close.forEach((cb) => cb(res));
    };
    task.closeOnce = closeOnce;
    ws.on('upgrade', (res) => {
      handshake = res.headers;
    });
    ws.on('open', () => h.open.forEach((cb) => cb({ header: handshake, profile: {} })));
    ws.on('message', (data, isBinary) => {
      if (task.closed) return;
      const payload = isBinary ? toRealmBuffer(data) : data.toString('utf8');
      h.message.forEach((cb) => cb({ data: payload }));
    });
    ws.on('error', (err) => h.error.forEach((cb) => cb({ errMsg: String(err.message) })));
    ws.on('close', (code, reason) => closeOnce({ code, reason: reason.toString() }));
    return {
      onOpen: (cb) => h.open.push(cb),
      onMessage: (cb) => h.message.push(cb),
      onClose: (cb) => h.close.push(cb),
      onError: (cb) => h.error.push(cb),
      send({ data, success, fail: sendFail }) {
        if (ws.readyState !== WebSocket.OPEN) {
          if (sendFail) sendFail({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
          return;
        }
        ws.send(typeof data === 'string' ? data : Buffer.from(data), (err) => {
          if (err && sendFail) sendFail({ errMsg: err.message });
          else if (!err && success) success({});
        });
      },
      close({ code, reason, success, fail: closeFail } = {}) {
        if (ws.readyState === WebSocket.CONNECTING) {
          // What WeChat does: the close is refused and the task goes on connecting.
          stats.closeWhileConnecting += 1;
          if (closeFail) closeFail({ errMsg: 'closeSocket:fail WebSocket is not connected' });
          return;
        }
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.close(code || 1000, reason);
        if (success) success({});
      },
    };
  }

  function request({ url, method = 'GET', header, data, timeout = 60000, success, fail }) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeout);
    fetch(url, {
      method, headers: header, signal: ctrl.signal,
      body: method === 'GET' || data === undefined ? undefined : JSON.stringify(data),
    }).then(async (res) => {
      const text = await res.text();
      let body = text;
      try {
        body = JSON.parse(text);
      } catch (err) {
        // wx.request hands back the raw string when it is not JSON.
      }
      clearTimeout(timer);
      if (success) success({ statusCode: res.status, data: body, header: Object.fromEntries(res.headers) });
    }, (err) => {
      clearTimeout(timer);
      if (fail) fail({ errMsg: 'request:fail ' + err.message });
    });
  }

  // wx.uploadFile: a local file (by path) posted as multipart, the answer body handed back as a string.
  function uploadFile({ url, filePath, name, header, timeout = 60000, success, fail }) {
    uploads.push({ url, filePath, name });
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeout);
    const form = new FormData();
    form.append(name, new Blob([fs.readFileSync(filePath)]), path.basename(filePath));
    fetch(url, { method: 'POST', headers: header, body: form, signal: ctrl.signal }).then(async (res) => {
      clearTimeout(timer);
      if (success) success({ statusCode: res.status, data: await res.text(), errMsg: 'uploadFile:ok' });
    }, (err) => {
      clearTimeout(timer);
      if (fail) fail({ errMsg: 'uploadFile:fail ' + err.message });
    });
  }
  const uploads = [];
  const requests = [];
  const choices = { media: [], subscribe: {} };

  const wx = {
    connectSocket,
    request(options) {
      requests.push({ url: options.url, method: options.method, data: options.data });
      return request(options);
    },
    uploadFile,
    // What the user picks next (control.pick) comes back as WeChat's temp files.
    chooseMedia({ success, fail }) {
      const file = choices.media.shift();
      setTimeout(() => (file ? success({ tempFiles: [{ tempFilePath: file, size: fs.statSync(file).size, fileType: 'image' }], type: 'image' })
        : fail && fail({ errMsg: 'chooseMedia:fail cancel' })), 0);
    },
    // The user's answers (control.subscribe) per template id; 'reject' when none was set.
    requestSubscribeMessage({ tmplIds, success }) {
      const res = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of tmplIds) res[id] = choices.subscribe[id] || 'reject';
      setTimeout(() => success && success(res), 0);
    },
    previewImage() {},
    login({ success, fail }) {
      loginCounter += 1;
      const code = loginCode ? loginCode(loginCounter) : 'code-' + loginCounter;
      setTimeout(() => (code ? success({ code, errMsg: 'login:ok' }) : fail({ errMsg: 'login:fail' })), 0);
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync(k, v) {
      const size = Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v));
      if (size > storageItemLimit) throw new Error('setStorageSync:fail exceed storage item max length');
      storage.set(k, v);
    },
    removeStorageSync: (k) => storage.delete(k),
    getDeviceInfo: () => ({ platform, brand: 'test', model: 'test', system: 'test' }),
    getSystemInfoSync: () => ({ platform, SDKVersion: '3.0.0' }),
    onAppShow: (cb) => listeners.show.push(cb),
    offAppShow: (cb) => remove(listeners.show, cb),
    onAppHide: (cb) => listeners.hide.push(cb),
    offAppHide: (cb) => remove(listeners.hide, cb),
    onNetworkStatusChange: (cb) => listeners.net.push(cb),
    offNetworkStatusChange: (cb) => remove(listeners.net, cb),
  };
  // Test controls, kept off the `wx` object the SDK sees.
  const control = {
    storage,
    stats,
    uploads,
    requests,
    pick: (filePath) => choices.media.push(filePath),
    subscribe: (answers) => Object.assign(choices.subscribe, answers),
    tasks,
    openTasks: () => tasks.filter((t) => !t.closed && t.ws.readyState === WebSocket.OPEN),
    liveTasks: () => tasks.filter((t) => !t.closed),
    show: () => listeners.show.forEach((cb) => cb({ scene: 1001, path: 'pages/chat/chat' })),
    hide: () => listeners.hide.forEach((cb) => cb({})),
    network: (isConnected) => listeners.net.forEach((cb) => cb({ isConnected, networkType: isConnected ? 'wifi' : 'none' })),
    /** WeChat closing a backgrounded app's sockets. */
    interrupt() {
      for (const t of tasks) {
        if (t.closed) continue;
        t.ws.terminate();
        t.closeOnce({ code: 1000, reason: 'interrupted' });
      }
    },
  };
  return { wx, control };
}

function remove(list, cb) {
  const i = list.indexOf(cb);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Load the built bundle into a fresh mini-program runtime as WeChat's
 * `require()` would: module, exports and require are the only free names
 * besides the runtime's globals. Returns { sdk, wx, control, runtime }.
 */
function loadMiniProgram(wxOptions = {}) {
  const runtime = createRuntime();
  const { wx, control } = createWx(runtime, wxOptions);
  runtime.context.wx = wx;
  const code = fs.readFileSync(BUNDLE, 'utf8');
  const moduleObj = vm.runInContext('({ exports: {} })', runtime.context);
  const fn = vm.compileFunction(code, ['module', 'exports', 'require'], { parsingContext: runtime.context, filename: 'csbot-sdk.js' });
  const requireStub = (name) => {
    throw new Error('module ' + name + ' not found');
  };
  fn(moduleObj, moduleObj.exports, requireStub);
  return { sdk: moduleObj.exports, wx, control, runtime };
}

/** Evaluate `expr` inside the runtime (from outside, which is allowed). */
function inRuntime(runtime, expr) {
  return vm.runInContext(expr, runtime.context);
}

module.exports = { loadMiniProgram, createRuntime, createWx, inRuntime, ABSENT, STORAGE_ITEM_LIMIT };
