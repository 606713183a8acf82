// A `wx` object for Node: the mini-program APIs the SDK uses, built on the
// `ws` package and fetch, so the real wx adapter runs in tests unchanged.
'use strict';
const WebSocket = require('ws');

let loginCounter = 0;

function createWxShim({ storage = new Map(), platform = 'devtools', loginCode } = {}) {
  const listeners = { show: [], hide: [], net: [] };
  const sockets = [];

  function connectSocket({ url, header, protocols, fail }) {
    const ws = new WebSocket(url, protocols || [], { headers: header || {} });
    sockets.push(ws);
    const h = { open: [], message: [], close: [], error: [] };
    let handshake = {};
    ws.on('upgrade', (res) => {
      handshake = res.headers;
    });
    ws.on('open', () => h.open.forEach((cb) => cb({ header: handshake })));
    ws.on('message', (data, isBinary) => {
      // Like SocketTask: text frames as strings, binary frames as ArrayBuffer.
      const payload = isBinary
        ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
        : data.toString('utf8');
      h.message.forEach((cb) => cb({ data: payload }));
    });
    ws.on('error', (err) => {
      h.error.forEach((cb) => cb({ errMsg: String(err.message) }));
      if (fail) fail({ errMsg: String(err.message) });
    });
    ws.on('close', (code, reason) => h.close.forEach((cb) => cb({ code, reason: reason.toString() })));
    return {
      onOpen: (cb) => h.open.push(cb),
      onMessage: (cb) => h.message.push(cb),
      onClose: (cb) => h.close.push(cb),
      onError: (cb) => h.error.push(cb),
      send({ data, success, fail: sendFail }) {
        if (ws.readyState !== WebSocket.OPEN) {
          if (sendFail) sendFail({ errMsg: 'sendSocketMessage:fail not open' });
          return;
        }
        ws.send(typeof data === 'string' ? data : Buffer.from(data), (err) => {
          if (err && sendFail) sendFail({ errMsg: err.message });
          else if (!err && success) success({});
        });
      },
      close({ code, reason } = {}) {
        try {
          ws.close(code || 1000, reason);
        } catch (err) {
          ws.terminate();
        }
      },
      _ws: ws,
    };
  }

  async function doRequest({ url, method = 'GET', header, data, timeout = 60000, success, fail }) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeout);
    try {
      const res = await fetch(url, {
        method,
        headers: header,
        body: method === 'GET' || data === undefined ? undefined : JSON.stringify(data),
        signal: ctrl.signal,
      });
      const text = await res.text();
      let body = text;
      try {
        body = JSON.parse(text);
      } catch (err) {
        // wx.request hands back the raw string when it is not JSON.
      }
      success && success({ statusCode: res.status, data: body, header: Object.fromEntries(res.headers) });
    } catch (err) {
      fail && fail({ errMsg: 'request:fail ' + err.message });
    } finally {
      clearTimeout(timer);
    }
  }

  const wx = {
    connectSocket,
    request: (opts) => {
      doRequest(opts);
    },
    login({ success, fail }) {
      loginCounter += 1;
      const code = loginCode ? loginCode(loginCounter) : 'code-' + loginCounter;
      if (code) setImmediate(() => success({ code }));
      else setImmediate(() => fail({ errMsg: 'login:fail' }));
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),
    getDeviceInfo: () => ({ platform }),
    getSystemInfoSync: () => ({ platform }),
    onAppShow: (cb) => listeners.show.push(cb),
    offAppShow: (cb) => remove(listeners.show, cb),
    onAppHide: (cb) => listeners.hide.push(cb),
    offAppHide: (cb) => remove(listeners.hide, cb),
    onNetworkStatusChange: (cb) => listeners.net.push(cb),
    offNetworkStatusChange: (cb) => remove(listeners.net, cb),
    // Test controls, not part of the wx API.
    _storage: storage,
    _sockets: sockets,
    _appShow: () => listeners.show.forEach((cb) => cb({ scene: 1001 })),
    _appHide: () => listeners.hide.forEach((cb) => cb({})),
    _network: (isConnected) => listeners.net.forEach((cb) => cb({ isConnected, networkType: isConnected ? 'wifi' : 'none' })),
    _closeAll: () => sockets.forEach((ws) => ws.terminate()),
  };
  return wx;
}

function remove(list, cb) {
  const i = list.indexOf(cb);
  if (i >= 0) list.splice(i, 1);
}

module.exports = { createWxShim };
