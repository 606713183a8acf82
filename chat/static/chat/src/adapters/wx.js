// Mini-program adapter: wx.connectSocket (SocketTask), wx storage, wx.request,
// wx.login and the app lifecycle. Takes `wx` as a parameter so the same code
// runs under a test shim.

function headerValue(header, name) {
  if (!header) return undefined;
  const want = name.toLowerCase();
  for (const k of Object.keys(header)) if (k.toLowerCase() === want) return header[k];
  return undefined;
}

export function createWxAdapter(wx) {
  if (!wx) throw new Error('wx is not available');
  return {
    name: 'wx',
    // Mini-programs can send the token as a header; no need to expose it in a URL.
    tokenInQuery: false,

    platform() {
      try {
        const info = wx.getDeviceInfo ? wx.getDeviceInfo() : wx.getSystemInfoSync();
        const p = String(info.platform || '').toLowerCase();
        return p === 'ios' || p === 'android' || p === 'devtools' ? p : 'android';
      } catch (err) {
        return 'android';
      }
    },

    connect({ url, protocols, headers }, handlers) {
      // Each SocketTask counts against the 5-socket limit: the client keeps
      // at most one open and closes it before opening another.
      const task = wx.connectSocket({ url, header: headers, protocols, fail: (err) => handlers.onerror(err) });
      let offered = protocols || [];
      task.onOpen((res) => {
        const chosen = headerValue(res && res.header, 'Sec-WebSocket-Protocol');
        // When the runtime hides the handshake headers, follow the server's
        // documented rule: proto when offered, else JSON.
        handlers.onopen(chosen || (offered.includes('csbot.v1.proto') ? 'csbot.v1.proto' : offered[0] || ''));
      });
      task.onMessage((res) => handlers.onmessage(res.data));
      task.onError((err) => handlers.onerror(err));
      task.onClose((res) => handlers.onclose({ code: res && res.code, reason: res && res.reason }));
      return {
        send(data) {
          task.send({ data, fail: (err) => handlers.onerror(err) });
        },
        close(code, reason) {
          try {
            task.close({ code, reason });
          } catch (err) {
            // Closing an already closed task is not an error worth reporting.
          }
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
