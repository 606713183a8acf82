// An in-memory adapter: the test plays the server, frame by frame, so the
// client's reactions to streams and close codes are checked without a network.
'use strict';

function createFakeAdapter() {
  const storage = new Map();
  const sockets = [];
  const foreground = [];
  const online = [];
  let logins = 0;
  const adapter = {
    name: 'fake',
    tokenInQuery: false,
    platform: () => 'devtools',
    storage: {
      get: (k) => (storage.has(k) ? storage.get(k) : null),
      set: (k, v) => storage.set(k, v),
      remove: (k) => storage.delete(k),
    },
    async request({ url }) {
      if (url.endsWith('/api/auth/dev-login')) {
        logins += 1;
        return { status: 200, data: { token: 'tok-' + logins, expires_in: 86400, customer_id: 'c1' } };
      }
      return { status: 404, data: { error: 'not_found' } };
    },
    connect({ url, protocols, headers }, handlers) {
      const s = {
        url, protocols, headers, handlers, sent: [], closed: null,
        send(data) {
          s.sent.push(typeof data === 'string' ? JSON.parse(data) : data);
        },
        close(code) {
          s.closed = code;
        },
        // Test side:
        open(protocol = 'csbot.v1.json') {
          handlers.onopen(protocol);
        },
        push(frame) {
          handlers.onmessage(JSON.stringify(frame));
        },
        drop(code) {
          handlers.onclose({ code, reason: '' });
        },
        sentOf(type) {
          return s.sent.filter((f) => f.type === type);
        },
      };
      sockets.push(s);
      return s;
    },
    onForeground: (cb) => {
      foreground.push(cb);
      return () => {};
    },
    onBackground: () => () => {},
    onOnline: (cb) => {
      online.push(cb);
      return () => {};
    },
    // Test side:
    sockets,
    last: () => sockets[sockets.length - 1],
    logins: () => logins,
    showApp: () => foreground.forEach((cb) => cb()),
    goOnline: () => online.forEach((cb) => cb()),
    storageMap: storage,
  };
  return adapter;
}

/** Play a server's side of a successful handshake on the newest socket. */
function handshake(adapter, { conversation = { id: 'c1', status: 'bot' }, lastSeq = 0, recovered = false, page = [] } = {}) {
  const s = adapter.last();
  s.open();
  s.push({ type: 'welcome', conversation, last_seq: lastSeq, heartbeat_s: 10, max_frame_bytes: 65536, compress: [], recovered, server_time: Date.now() });
  for (const m of page) s.push(Object.assign({ type: 'message' }, m));
  s.push({ type: 'synced', last_seq: lastSeq });
  return s;
}

module.exports = { createFakeAdapter, handshake };
