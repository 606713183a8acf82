// Token handling. The token is opaque: the client only stores it, sends it,
// and throws it away when the server answers 401/4401.
import { newId } from './ids.js';

// Refresh a little before the server's expiry so a socket is not opened
// with a token that dies during the handshake: a tenth of the lifetime,
// at most a minute.
const MAX_EXPIRY_MARGIN_MS = 60 * 1000;

export class AuthError extends Error {
  constructor(code, status, message) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

export class Auth {
  constructor({ adapter, storage, baseUrl, keyPrefix, mode, openid, platform, random }) {
    this.adapter = adapter;
    this.storage = storage;
    this.baseUrl = baseUrl;
    this.key = keyPrefix + 'token';
    this.deviceKey = keyPrefix + 'device_id';
    this.openidKey = keyPrefix + 'dev_openid';
    this.mode = mode;
    this.openid = openid;
    this.platform = platform;
    this.random = random;
    this._pending = null;
  }

  /** The per-install id; created once and kept in storage. */
  deviceId() {
    let id = this.storage.get(this.deviceKey);
    if (!id) {
      id = newId('dev-', this.random);
      this.storage.set(this.deviceKey, id);
    }
    return id;
  }

  _stored() {
    try {
      const raw = this.storage.get(this.key);
      const t = typeof raw === 'string' ? JSON.parse(raw) : raw;
      return t && t.token ? t : null;
    } catch (err) {
      return null;
    }
  }

  /** A stored token still good for a while, or null. */
  current() {
    const t = this._stored();
    if (!t) return null;
    if (t.refresh_at && Date.now() > t.refresh_at) return null;
    return t.token;
  }

  customerId() {
    const t = this._stored();
    return t ? t.customer_id || null : null;
  }

  forget() {
    this.storage.remove(this.key);
  }

  /** Return a usable token, logging in when none is stored. */
  async token() {
    return this.current() || this.login();
  }

  /** Log in anew; concurrent callers share one request. */
  login() {
    if (!this._pending) {
      this._pending = this._login().finally(() => {
        this._pending = null;
      });
    }
    return this._pending;
  }

  async _login() {
    const device_id = this.deviceId();
    let path;
    let body;
    if (this.mode === 'wx') {
      const code = await this.adapter.loginCode();
      path = '/api/auth/wx-login';
      body = { code, device_id, platform: this.platform };
    } else if (this.mode === 'dev') {
      path = '/api/auth/dev-login';
      body = { openid: this._devOpenid(), device_id, platform: this.platform };
    } else {
      throw new AuthError('no_login_mode', 0, 'no way to log in');
    }
    let res;
    try {
      res = await this.adapter.request({ method: 'POST', url: this.baseUrl + path, body, timeoutMs: 15000 });
    } catch (err) {
      throw new AuthError('network', 0, err.message);
    }
    if (res.status !== 200 || !res.data || !res.data.token) {
      const code = (res.data && res.data.error) || 'login_failed';
      throw new AuthError(code, res.status);
    }
    const expiresIn = Number(res.data.expires_in) || 0;
    const record = {
      token: res.data.token,
      customer_id: res.data.customer_id,
      refresh_at: expiresIn ? Date.now() + expiresIn * 1000 - Math.min(MAX_EXPIRY_MARGIN_MS, expiresIn * 100) : 0,
    };
    this.storage.set(this.key, JSON.stringify(record));
    return record.token;
  }

  _devOpenid() {
    if (this.openid) return this.openid;
    let id = this.storage.get(this.openidKey);
    if (!id) {
      id = newId('web-', this.random);
      this.storage.set(this.openidKey, id);
    }
    return id;
  }
}
