// Browser adapter: WebSocket, localStorage, fetch, and the page lifecycle.
export function createBrowserAdapter(win) {
  const w = win || globalThis;
  const memory = new Map(); // fallback when localStorage is blocked (private mode)
  return {
    name: 'browser',
    // Browsers cannot set headers on a WebSocket handshake.
    tokenInQuery: true,

    platform() {
      return 'web';
    },

    connect({ url, protocols }, handlers) {
      const ws = new w.WebSocket(url, protocols);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => handlers.onopen(ws.protocol || '');
      ws.onmessage = (ev) => handlers.onmessage(ev.data);
      ws.onerror = (ev) => handlers.onerror(ev);
      ws.onclose = (ev) => handlers.onclose({ code: ev.code, reason: ev.reason });
      return {
        send(data) {
          ws.send(data);
        },
        close(code, reason) {
          try {
            ws.close(code, reason);
          } catch (err) {
            ws.close();
          }
        },
      };
    },

    storage: {
      get(key) {
        try {
          return w.localStorage.getItem(key);
        } catch (err) {
          return memory.has(key) ? memory.get(key) : null;
        }
      },
      set(key, value) {
        try {
          w.localStorage.setItem(key, value);
        } catch (err) {
          memory.set(key, value);
        }
      },
      remove(key) {
        try {
          w.localStorage.removeItem(key);
        } catch (err) {
          memory.delete(key);
        }
      },
    },

    async request({ method, url, headers, body, timeoutMs }) {
      const ctrl = typeof w.AbortController === 'function' ? new w.AbortController() : null;
      const timer = ctrl && timeoutMs ? setTimeout(() => ctrl.abort(), timeoutMs) : null;
      try {
        const res = await w.fetch(url, {
          method,
          headers: Object.assign({ 'content-type': 'application/json' }, headers || {}),
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: ctrl ? ctrl.signal : undefined,
        });
        let data = null;
        const text = await res.text();
        try {
          data = text ? JSON.parse(text) : null;
        } catch (err) {
          data = text;
        }
        return { status: res.status, data };
      } finally {
        if (timer) clearTimeout(timer);
      }
    },

    /** POST one file (a Blob or File) as multipart `file`; answers like request(). */
    async upload({ url, headers, file, timeoutMs }) {
      const ctrl = typeof w.AbortController === 'function' ? new w.AbortController() : null;
      const timer = ctrl && timeoutMs ? setTimeout(() => ctrl.abort(), timeoutMs) : null;
      try {
        const form = new w.FormData();
        form.append('file', file, (file && file.name) || 'picture');
        const res = await w.fetch(url, { method: 'POST', headers: headers || {}, body: form, signal: ctrl ? ctrl.signal : undefined });
        const text = await res.text();
        let data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (err) {
          data = text;
        }
        return { status: res.status, data };
      } finally {
        if (timer) clearTimeout(timer);
      }
    },

    onForeground(cb) {
      if (!w.document || !w.document.addEventListener) return () => {};
      const handler = () => {
        if (w.document.visibilityState === 'visible') cb();
      };
      w.document.addEventListener('visibilitychange', handler);
      return () => w.document.removeEventListener('visibilitychange', handler);
    },
    onBackground(cb) {
      if (!w.document || !w.document.addEventListener) return () => {};
      const handler = () => {
        if (w.document.visibilityState === 'hidden') cb();
      };
      w.document.addEventListener('visibilitychange', handler);
      return () => w.document.removeEventListener('visibilitychange', handler);
    },
    onOnline(cb) {
      if (!w.addEventListener) return () => {};
      w.addEventListener('online', cb);
      return () => w.removeEventListener('online', cb);
    },
  };
}
