// Mini-program adapter: wx.connectSocket (SocketTask), wx storage, wx.request,
// wx.login and the app lifecycle. Takes `wx` as a parameter so the same code
// runs under a test shim.
//
// Written for base library 2.10.0 and later (see docs/sdk.md): the bundle
// targets ES2017 and uses no API newer than that without a fallback.

// WeChat lets a mini-program hold at most this many SocketTasks at once.
export const WX_MAX_SOCKETS = 5;

// Platform values from wx.getDeviceInfo / wx.getSystemInfoSync. PC and Mac
// WeChat and HarmonyOS are their own platforms, not Android.
const PLATFORMS = { ios: 'ios', android: 'android', devtools: 'devtools', windows: 'windows', mac: 'mac', ohos: 'ohos' };

function headerValue(header, name) {
  if (!header) return undefined;
  const want = name.toLowerCase();
  for (const k of Object.keys(header)) if (k.toLowerCase() === want) return header[k];
  return undefined;
}

/** The platform the SDK reports for a `platform` string from WeChat. */
export function wxPlatform(value) {
  const p = String(value || '').toLowerCase();
  if (PLATFORMS[p]) return PLATFORMS[p];
  if (p === 'harmony' || p === 'harmonyos') return 'ohos';
  if (p === 'win' || p === 'win32') return 'windows';
  if (p === 'macos' || p === 'darwin') return 'mac';
  return 'other';
}

/** @param {WechatMiniprogram.Wx} wx */
function readPlatform(wx) {
  // getDeviceInfo is the current API (base library 2.20.1); getSystemInfoSync
  // is deprecated there but the only one before.
  const readers = [() => wx.getDeviceInfo(), () => wx.getSystemInfoSync()];
  if (typeof wx.getDeviceInfo !== 'function') readers.shift();
  for (const read of readers) {
    try {
      const info = read();
      if (info && info.platform) return wxPlatform(info.platform);
    } catch (err) {
      // Try the next reader.
    }
  }
  return 'other';
}

/**
 * @param {WechatMiniprogram.Wx} wx the mini-program's `wx` (or a test runtime's)
 * @param {{maxSockets?: number}} [options]
 */
export function createWxAdapter(wx, { maxSockets = WX_MAX_SOCKETS } = {}) {
  if (!wx) throw new Error('wx is not available');
  let live = 0; // SocketTasks created and not yet closed
  return {
    name: 'wx',
    // Mini-programs can send the token as a header; no need to expose it in a URL.
    tokenInQuery: false,
    // WeChat freezes a mini-program a few seconds after onAppHide.
    suspendsInBackground: true,

    platform() {
      return readPlatform(wx);
    },

    /** SocketTasks this adapter holds that have not closed yet. */
    liveSockets() {
      return live;
    },

    connect({ url, protocols, headers }, handlers) {
      let opened = false;
      let closed = false;
      let closeWanted = null;
      const finish = (ev) => {
        if (closed) return;
        closed = true;
        live -= 1;
        handlers.onclose(ev);
      };
      if (live >= maxSockets) {
        // Refuse rather than hit WeChat's own limit, which fails without a close event.
        setTimeout(() => handlers.onclose({ code: 1006, reason: 'too_many_sockets' }), 0);
        return { send() {}, close() {} };
      }
      live += 1;
      const task = wx.connectSocket({
        url, header: headers, protocols,
        // A task that could not even start gets no onClose from WeChat.
        fail: (err) => {
          handlers.onerror(err);
          finish({ code: 1006, reason: (err && err.errMsg) || 'connectSocket failed' });
        },
      });
      const offered = protocols || [];
      const closeTask = (code, reason) => {
        try {
          task.close({ code, reason, fail: () => {} });
        } catch (err) {
          // Closing an already closed task is not an error worth reporting.
        }
      };
      task.onOpen((res) => {
        opened = true;
        if (closeWanted) {
          // Closed while still connecting: WeChat ignored that close, so the
          // task would stay open and count toward the limit. Close it now.
          closeTask(closeWanted.code, closeWanted.reason);
          return;
        }
        const chosen = headerValue(res && res.header, 'Sec-WebSocket-Protocol');
        // When the runtime hides the handshake headers, follow the server's
        // documented rule: proto when offered, else JSON.
        handlers.onopen(chosen || (offered.indexOf('csbot.v1.proto') >= 0 ? 'csbot.v1.proto' : offered[0] || ''));
      });
      task.onMessage((res) => {
        if (!closeWanted) handlers.onmessage(res.data);
      });
      task.onError((err) => {
        if (!closeWanted) handlers.onerror(err);
      });
      task.onClose((res) => finish({ code: res && res.code, reason: res && res.reason }));
      return {
        send(data) {
          task.send({ data, fail: (err) => handlers.onerror(err) });
        },
        close(code, reason) {
          if (closeWanted || closed) return;
          closeWanted = { code: code || 1000, reason: reason || '' };
          if (opened) closeTask(closeWanted.code, closeWanted.reason);
        },
      };
    },

    storage: {
      get(key) {
        const v = wx.getStorageSync(key);
        return v === '' || v === undefined ? null : v;
      },
      set(key, value) {
        wx.setStorageSync(key, value);
      },
      remove(key) {
        wx.removeStorageSync(key);
      },
    },

    request({ method, url, headers, body, timeoutMs }) {
      return new Promise((resolve, reject) => {
        wx.request({
          url,
          method,
          header: Object.assign({ 'content-type': 'application/json' }, headers || {}),
          data: body,
          timeout: timeoutMs,
          dataType: 'json',
          success: (res) => resolve({ status: res.statusCode, data: res.data }),
          fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'request failed'), { cause: err })),
        });
      });
    },

    /**
     * Upload a local file (a temp path from wx.chooseMedia) as multipart `file`
     * with wx.uploadFile; its answer body is a string, parsed here.
     */
    upload({ url, headers, file, timeoutMs }) {
      return new Promise((resolve, reject) => {
        wx.uploadFile({
          url,
          filePath: file,
          name: 'file',
          header: headers || {},
          timeout: timeoutMs,
          success: (res) => {
            let data = res.data;
            try {
              data = typeof data === 'string' && data ? JSON.parse(data) : data;
            } catch (err) {
              // Not JSON (a proxy's error page): handed on as text.
            }
            resolve({ status: res.statusCode, data });
          },
          fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'upload failed'), { cause: err })),
        });
      });
    },

    /** wx.login gives a one-time code the server trades for the openid. */
    loginCode() {
      return new Promise((resolve, reject) => {
        wx.login({
          success: (res) => (res.code ? resolve(res.code) : reject(new Error('wx.login gave no code'))),
          fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'wx.login failed'), { cause: err })),
        });
      });
    },

    onForeground(cb) {
      wx.onAppShow(cb);
      return () => wx.offAppShow && wx.offAppShow(cb);
    },
    onBackground(cb) {
      wx.onAppHide(cb);
      return () => wx.offAppHide && wx.offAppHide(cb);
    },
    onOnline(cb) {
      const handler = (res) => {
        if (res && res.isConnected) cb();
      };
      wx.onNetworkStatusChange(handler);
      return () => wx.offNetworkStatusChange && wx.offNetworkStatusChange(handler);
    },
  };
}
