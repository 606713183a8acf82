// The connection lifecycle of CsbotClient: logging in and opening a socket,
// the hello with its resume point, reconnecting with backoff, waking up when
// the app returns to the foreground or the network comes back, and the
// heartbeat that notices a dead socket.
//
// Methods of the client; client.js adds them to its prototype.
import { Wire } from './wire.js';
import { jsonCodec } from './json-codec.js';
import { AuthError } from './auth.js';
import { handleClose } from './close-codes.js';

const OPEN_TIMEOUT_MS = 15000;
const SYNC_TIMEOUT_MS = 20000;
// A 4410 within this long after the client gave up on a socket that had sent
// its hello may be about that socket, not another copy of the app.
const ABANDONED_HELLO_MS = 60000;

export const connectionMethods = {
  _watchLifecycle() {
    if (this._lifecycle.length) return;
    const foreground = () => {
      this._hidden = false;
      this._wake();
    };
    const background = () => {
      this._hidden = true;
    };
    const online = () => this._wake();
    this._lifecycle.push(
      this.adapter.onForeground(foreground),
      this.adapter.onBackground ? this.adapter.onBackground(background) : null,
      this.adapter.onOnline(online),
    );
  },

  /** True while an attempt is logging in or its socket has not synced yet. */
  _attemptInFlight() {
    return this._connecting || Boolean(this._sock && !this._sock.synced);
  },

  /** Back in the foreground or online again: retry at once, or check liveness. */
  _wake() {
    if (this.state === 'stopped' || this.state === 'idle') return;
    if (this._hidden && this.adapter.suspendsInBackground) return; // onAppShow will come
    if (this.state === 'open') {
      // A frozen background socket can look open; a ping proves it.
      this._probe();
      return;
    }
    // An attempt under way is left to finish (its open and sync timers bound
    // it): starting another for each wake-up would stack slow handshakes
    // toward WeChat's limit of 5 sockets.
    if (this._attemptInFlight()) return;
    this.failures = 0;
    this.backoff.reset();
    this._clear('reconnect');
    this._connect();
  },

  // ----------------------------------------------------------- connecting

  _resumePoint() {
    const c = this.conversation;
    if (!c) return null;
    const last = this.sequencer.lastSeq(c.id);
    return last === null ? null : { conversation_id: c.id, last_seq: last };
  },

  async _connect() {
    this._clear('reconnect');
    this._dropSocket(1000);
    this._setState(this.state === 'idle' || this.state === 'stopped' ? 'connecting' : 'reconnecting');
    const id = ++this._sockId;
    let token;
    this._connecting = true;
    try {
      token = await this.auth.token();
    } catch (err) {
      if (id !== this._sockId) return;
      this._connecting = false;
      this.emit('error', { code: err instanceof AuthError ? err.code : 'login_failed', message: err.message, status: err.status });
      this._retry({ countFailure: true });
      return;
    }
    if (id !== this._sockId || this.state === 'stopped') return;
    this._connecting = false;
    const url = this.adapter.tokenInQuery
      ? this.wsUrl + (this.wsUrl.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token)
      : this.wsUrl;
    const headers = this.adapter.tokenInQuery ? {} : { Authorization: 'Bearer ' + token };
    const guard = (fn) => (...args) => {
      if (id === this._sockId) fn(...args);
    };
    this._kickReason = null;
    this._sock = {
      id, wire: null, synced: false, lastRx: Date.now(),
      raw: this.adapter.connect({ url, protocols: this.protocols, headers }, {
        onopen: guard((protocol) => this._onOpen(protocol)),
        onmessage: guard((data) => this._onData(data)),
        onerror: guard((err) => this.emit('socket_error', err)),
        onclose: guard((ev) => this._onClose(ev)),
      }),
    };
    this._timer('open', OPEN_TIMEOUT_MS, () => this._abandon('open_timeout'));
  },

  /** Drop the socket without waiting for its close event (which may never come). */
  _dropSocket(code) {
    const s = this._sock;
    this._sock = null;
    this._sockId += 1;
    this._connecting = false;
    if (s && s.helloSent) this._abandonedHelloAt = Date.now();
    this._clear('open');
    this._clear('sync');
    this._clear('heartbeat');
    this._clear('probe');
    this._clear('gap');
    this._sentUnacked = [];
    this._failPending('disconnected');
    if (s && s.raw) s.raw.close(code || 1000);
  },

  /** Give up on a socket that stopped answering and retry with backoff. */
  _abandon(reason) {
    this.emit('socket_error', { reason });
    this._dropSocket(4000);
    this._retry({ countFailure: true });
  },

  _onOpen(protocol) {
    this._clear('open');
    const codec = protocol === 'csbot.v1.proto' && this.proto ? this.proto : jsonCodec;
    this._sock.wire = new Wire(codec);
    this._sock.protocol = codec.subprotocol;
    const hello = {
      type: 'hello',
      device_id: this.auth.deviceId(),
      platform: this.platform,
      compress: this.compress ? ['snappy'] : [],
    };
    if (this.options.appVersion) hello.app_version = this.options.appVersion;
    const resume = this._resumePoint();
    if (resume) hello.resume = resume;
    this._sendFrame(hello);
    this._sock.helloSent = true;
    this._timer('sync', SYNC_TIMEOUT_MS, () => this._abandon('sync_timeout'));
  },

  _onData(data) {
    const s = this._sock;
    if (!s || !s.wire) return;
    s.lastRx = Date.now();
    let frame;
    try {
      frame = s.wire.decode(data);
    } catch (err) {
      this.emit('error', { code: err.code || 'bad_frame', message: err.message });
      return;
    }
    this._dispatch(frame);
  },

  _onClose(ev) {
    const code = ev && ev.code;
    // Kept for the 1009 policy, which must know which message was refused.
    this._closedUnacked = this._sentUnacked.slice();
    this._sock = null;
    this._dropSocket();
    this.emit('disconnect', { code, reason: ev && ev.reason });
    handleClose(this, code);
  },

  /**
   * Schedule the next connection attempt. `now` retries without waiting
   * (1001, 4408, a fresh login); otherwise wait by backoff.
   */
  _retry({ countFailure, now, minDelayMs }) {
    if (this.state === 'stopped') return;
    if (this._hidden && this.adapter.suspendsInBackground) {
      // WeChat freezes a backgrounded mini-program and closes its sockets;
      // a socket opened now would be lost the same way. onAppShow resumes.
      this._setState('reconnecting', { waiting: 'foreground' });
      return;
    }
    if (countFailure) this.failures += 1;
    if (this.poll && this.poll.shouldStart(this.failures)) this.poll.start();
    if (this.failures >= this.maxFailures) {
      this._setState('offline', { failures: this.failures });
      this.emit('gaveup', { failures: this.failures });
      return;
    }
    this._setState('reconnecting', { failures: this.failures });
    const delay = now ? 0 : Math.max(minDelayMs || 0, this.backoff.next());
    this._timer('reconnect', delay, () => this._connect());
  },

  /** Whether a socket given up on after its hello could be the newer one behind a 4410. */
  _recentlyAbandonedHello() {
    return this._abandonedHelloAt > 0 && Date.now() - this._abandonedHelloAt < ABANDONED_HELLO_MS;
  },

  // -------------------------------------------------------------- sending

  _sendFrame(frame) {
    const s = this._sock;
    if (!s || !s.wire) return false;
    const data = s.wire.encode(frame); // throws FrameError for oversized frames
    s.raw.send(data);
    return true;
  },

  _canSend() {
    return Boolean(this._sock && this._sock.synced);
  },

  // ------------------------------------------------------------ heartbeat

  _startHeartbeat(seconds) {
    const ms = Math.max(1, Number(seconds) || 10) * 1000;
    const beat = () => {
      const s = this._sock;
      if (!s) return;
      // Nothing heard for well over two beats: the socket is dead even if
      // the runtime has not noticed (common after a mini-program freeze).
      if (Date.now() - s.lastRx > ms * 2.5) {
        this._abandon('heartbeat_lost');
        return;
      }
      this._sendFrame({ type: 'ping', ts: Date.now() });
      this._timer('heartbeat', ms, beat);
    };
    this._heartbeatMs = ms;
    this._timer('heartbeat', ms, beat);
  },

  _probe() {
    const s = this._sock;
    if (!s || !s.synced) return;
    const sentAt = Date.now();
    this._sendFrame({ type: 'ping', ts: sentAt });
    this._timer('probe', 3000, () => {
      if (this._sock === s && s.lastRx < sentAt) this._abandon('probe_lost');
    });
  },
};
