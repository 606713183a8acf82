// CsbotClient: one customer's connection to the chat service.
//
// States: idle -> connecting -> open; a lost socket goes to reconnecting and
// back to open; after `maxFailures` consecutive failures it goes offline
// (and emits 'gaveup') until the app returns to the foreground or the
// network comes back; stopped is final (close(), a kick, 4403, 4410).
// A mini-program in the background is frozen by WeChat: a socket lost there
// waits in reconnecting for the app to come back rather than retrying.
import { Emitter } from './emitter.js';
import { Backoff } from './backoff.js';
import { Outbox } from './outbox.js';
import { textProblem } from './text.js';
import { Sequencer } from './sequencer.js';
import { StreamAssembler } from './streams.js';
import { Wire } from './wire.js';
import { jsonCodec } from './json-codec.js';
import { Auth, AuthError } from './auth.js';
import { newId } from './ids.js';
import { LongPoll } from './longpoll.js';
import { handleClose } from './close-codes.js';

const OPEN_TIMEOUT_MS = 15000;
const SYNC_TIMEOUT_MS = 20000;
const REQUEST_TIMEOUT_MS = 15000;
// A 10 MiB picture over a slow mobile link.
const UPLOAD_TIMEOUT_MS = 60000;
const GAP_WAIT_MS = 1500; // a late wake-up usually fills a hole by itself
const TYPING_EVERY_MS = 2000;
// A 4410 within this long after the client gave up on a socket that had sent
// its hello may be about that socket, not another copy of the app.
const ABANDONED_HELLO_MS = 60000;
const TEXT_MESSAGES = {
  text_length: 'text must be 1-4000 characters',
  bad_text: 'text is not valid Unicode (a lone surrogate, such as half an emoji)',
};

export class CsbotClient extends Emitter {
  /**
   * options: baseUrl (http(s)://host), adapter (object from an adapter
   * factory), login ('wx' | 'dev'), openid (dev login), platform,
   * appVersion, protocols, proto (a ProtoCodec or null), compress,
   * maxFailures, backoff {baseMs, capMs}, longPoll (false or
   * {afterFailures, timeoutS}), storagePrefix, random, wsUrl.
   */
  constructor(options) {
    super();
    const o = options || {};
    if (!o.baseUrl) throw new Error('baseUrl is required');
    if (!o.adapter) throw new Error('adapter is required');
    this.options = o;
    this.adapter = o.adapter;
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.wsUrl = o.wsUrl || this.baseUrl.replace(/^http/, 'ws') + '/ws/chat/';
    this.proto = o.proto || null;
    this.protocols = o.protocols || (this.proto ? ['csbot.v1.proto', 'csbot.v1.json'] : ['csbot.v1.json']);
    this.compress = o.compress !== false;
    this.maxFailures = o.maxFailures || 8;
    this.random = o.random || Math.random;
    this.platform = o.platform || this.adapter.platform();
    const prefix = o.storagePrefix || 'csbot.';
    this.storage = this.adapter.storage;
    this.auth = new Auth({
      adapter: this.adapter, storage: this.storage, baseUrl: this.baseUrl, keyPrefix: prefix,
      mode: o.login || (this.adapter.name === 'wx' ? 'wx' : 'dev'), openid: o.openid,
      platform: this.platform, random: this.random,
    });
    this.outbox = new Outbox(this.storage, prefix + 'outbox');
    this.sequencer = new Sequencer();
    this.streams = new StreamAssembler();
    this.backoff = new Backoff(Object.assign({ random: this.random }, o.backoff || {}));
    this.poll = o.longPoll === false ? null : new LongPoll(this, o.longPoll || {});
    this.state = 'idle';
    this.transport = null;
    this.conversation = null;
    this.failures = 0;
    this._sock = null;
    this._sockId = 0;
    this._timers = {};
    this._history = [];
    this._controls = [];
    this._pendingRates = [];
    this._sentUnacked = [];
    this._lifecycle = [];
    this._lastTyping = 0;
    this._authRetries = 0;
    this.kicked = null;
    this._hidden = false;
    this._connecting = false;
    this._abandonedHelloAt = 0;
  }

  get deviceId() {
    return this.auth.deviceId();
  }

  /** Connect, logging in first when no token is stored. */
  start() {
    if (this.state !== 'idle' && this.state !== 'stopped' && this.state !== 'offline') return;
    this.kicked = null;
    this._watchLifecycle();
    this._sweepOutbox();
    this.failures = 0;
    this.backoff.reset();
    this._connect();
  }

  /** Close for good (stopped). Unsent messages stay in the outbox. */
  close() {
    this._stop('closed_by_app', 1000);
  }

  // ---------------------------------------------------------------- state

  _setState(state, detail) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state, detail || {});
  }

  _timer(name, ms, fn) {
    this._clear(name);
    this._timers[name] = setTimeout(() => {
      delete this._timers[name];
      fn();
    }, ms);
  }

  _clear(name) {
    if (this._timers[name]) {
      clearTimeout(this._timers[name]);
      delete this._timers[name];
    }
  }

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
  }

  /** True while an attempt is logging in or its socket has not synced yet. */
  _attemptInFlight() {
    return this._connecting || Boolean(this._sock && !this._sock.synced);
  }

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
  }

  _stop(reason, code) {
    this._dropSocket(code || 1000);
    for (const name of Object.keys(this._timers)) this._clear(name);
    if (this.poll) this.poll.stop();
    this._setTransport(null);
    for (const off of this._lifecycle) if (typeof off === 'function') off();
    this._lifecycle = [];
    this._failPending('stopped');
    this._setState('stopped', { reason });
  }

  _setTransport(t) {
    if (this.transport === t) return;
    this.transport = t;
    this.emit('transport', t);
  }

  // ----------------------------------------------------------- connecting

  _resumePoint() {
    const c = this.conversation;
    if (!c) return null;
    const last = this.sequencer.lastSeq(c.id);
    return last === null ? null : { conversation_id: c.id, last_seq: last };
  }

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
  }

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
  }

  /** Give up on a socket that stopped answering and retry with backoff. */
  _abandon(reason) {
    this.emit('socket_error', { reason });
    this._dropSocket(4000);
    this._retry({ countFailure: true });
  }

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
  }

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
  }

  _onClose(ev) {
    const code = ev && ev.code;
    // Kept for the 1009 policy, which must know which message was refused.
    this._closedUnacked = this._sentUnacked.slice();
    this._sock = null;
    this._dropSocket();
    this.emit('disconnect', { code, reason: ev && ev.reason });
    handleClose(this, code);
  }

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
  }

  // -------------------------------------------------------------- sending

  _sendFrame(frame) {
    const s = this._sock;
    if (!s || !s.wire) return false;
    const data = s.wire.encode(frame); // throws FrameError for oversized frames
    s.raw.send(data);
    return true;
  }

  _canSend() {
    return Boolean(this._sock && this._sock.synced);
  }

  /**
   * Queue a text message; it is sent now or after the next sync, and stays
   * in the persisted outbox until the server acknowledges it.
   */
  send(text) {
    const problem = textProblem(text);
    if (problem) return this._refuse(problem, TEXT_MESSAGES[problem]);
    const item = { client_msg_id: newId('m-', this.random), text, created_at: Date.now() };
    try {
      this.outbox.add(item);
    } catch (err) {
      if (!err.code) throw err;
      return this._refuse(err.code, err.message);
    }
    this.emit('pending', item);
    if (this._canSend()) this._sendOutboxItem(item);
    else if (this.transport === 'poll') this.poll.flush();
    return item;
  }

  /**
   * Upload a picture (browser: a File or Blob; mini-program: the temp path
   * wx.chooseMedia gives) and queue a message carrying it, with optional
   * words. Resolves with the queued item, or null when the server refused
   * the picture (an `error` event says why: too_large, unsupported_type,
   * rejected). Once queued it is sent, acknowledged and deduplicated like text.
   */
  async sendImage(file, text) {
    const words = typeof text === 'string' ? text : '';
    if (words && textProblem(words)) return this._refuse(textProblem(words), TEXT_MESSAGES[textProblem(words)]);
    // A browser File knows its size: one the server announced it would refuse is not sent at all.
    const limit = this._welcome && this._welcome.max_media_bytes;
    if (limit && file && typeof file.size === 'number' && file.size > limit) {
      return this._refuse('too_large', 'the picture is larger than ' + limit + ' bytes');
    }
    let uploaded;
    try {
      uploaded = await this.uploadImage(file);
    } catch (err) {
      return this._refuse(err.code || 'upload_failed', err.message);
    }
    const item = { client_msg_id: newId('m-', this.random), text: words, media_id: uploaded.media_id, created_at: Date.now(),
                   media: this.absoluteMedia(uploaded) };
    try {
      this.outbox.add(item);
    } catch (err) {
      if (!err.code) throw err;
      return this._refuse(err.code, err.message);
    }
    this.emit('pending', item);
    if (this._canSend()) this._sendOutboxItem(item);
    else if (this.transport === 'poll') this.poll.flush();
    return item;
  }

  /** POST a picture to /api/chat/media; resolve with the server's answer (media_id, url, thumb_url ...). */
  async uploadImage(file) {
    if (typeof this.adapter.upload !== 'function') throw Object.assign(new Error('this platform cannot upload'), { code: 'upload_failed' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.auth.token();
      const res = await this.adapter.upload({
        url: this.baseUrl + '/api/chat/media', file, timeoutMs: UPLOAD_TIMEOUT_MS, headers: { Authorization: 'Bearer ' + token },
      });
      if (res.status === 200 && res.data && res.data.media_id) return res.data;
      if (res.status !== 401) {
        const code = (res.data && res.data.error) || 'upload_failed';
        throw Object.assign(new Error((res.data && res.data.message) || code), { code, status: res.status });
      }
      this.auth.forget(); // expired: log in again and upload once more
    }
    throw Object.assign(new Error('unauthorized'), { code: 'unauthorized' });
  }

  /** A picture's `media` with its signed URLs made absolute (the server sends paths; <image> needs full URLs). */
  absoluteMedia(media) {
    if (!media || typeof media !== 'object') return media;
    const out = Object.assign({}, media);
    for (const key of ['url', 'thumb_url']) {
      if (typeof out[key] === 'string' && out[key].charAt(0) === '/') out[key] = this.baseUrl + out[key];
    }
    return out;
  }

  /**
   * A message refused before it was queued: told to the app once, as an
   * `error` event with a code, and `send()` returns null. Nothing is stored.
   */
  _refuse(code, message) {
    this.emit('error', { code, message });
    return null;
  }

  /**
   * Drop queued messages the server would refuse (left by an older version
   * or a hand-edited store), telling the app once for each.
   */
  _sweepOutbox() {
    for (const item of this.outbox.list()) {
      if (item.media_id && item.text === '') continue; // a picture alone needs no words
      const problem = textProblem(item.text);
      if (problem) this._reject(item.client_msg_id, problem);
    }
  }

  /** Whether a socket given up on after its hello could be the newer one behind a 4410. */
  _recentlyAbandonedHello() {
    return this._abandonedHelloAt > 0 && Date.now() - this._abandonedHelloAt < ABANDONED_HELLO_MS;
  }

  _sendOutboxItem(item) {
    try {
      const frame = { type: 'message', client_msg_id: item.client_msg_id, text: item.text };
      if (item.media_id) frame.media_id = item.media_id;
      this._sendFrame(frame);
      this._sentUnacked.push(item.client_msg_id);
    } catch (err) {
      if (err.code !== 'frame_too_big') throw err;
      this._reject(item.client_msg_id, 'frame_too_big');
    }
  }

  /** Drop a message the server will never accept, and tell the app. */
  _reject(clientMsgId, code) {
    const item = this.outbox.remove(clientMsgId);
    this.emit('error', { code, client_msg_id: clientMsgId });
    this.emit('rejected', { code, client_msg_id: clientMsgId, item });
  }

  _flushOutbox() {
    for (const item of this.outbox.list()) {
      if (!this._canSend()) return;
      this._sendOutboxItem(item);
    }
  }

  // Control frames are not persisted: they make sense only for this session.
  _control(frame) {
    if (this._canSend()) this._sendFrame(frame);
    else this._controls.push(frame);
  }

  /** Ask for a human agent. */
  handoff(reason) {
    this._control(reason ? { type: 'handoff', reason } : { type: 'handoff' });
  }

  /** Rate a closed conversation 1-5; resolves with the `rated` frame. */
  rate(score, comment, conversationId) {
    const n = Number(score);
    if (!(n >= 1 && n <= 5) || Math.floor(n) !== n) return Promise.reject(new RangeError('score must be 1-5'));
    const frame = { type: 'rate', score: n };
    if (comment) frame.comment = String(comment);
    if (conversationId) frame.conversation_id = conversationId;
    return new Promise((resolve, reject) => {
      this._pendingRates.push({ resolve, reject });
      this._control(frame);
    });
  }

  /** Tell the agent the customer has read up to `seq`. */
  markRead(seq) {
    if (this._canSend()) this._sendFrame({ type: 'read', seq: Number(seq) });
  }

  /**
   * Report the one-time subscription consents the user accepted in
   * wx.requestSubscribeMessage (pass the ids whose answer was 'accept'); each
   * lets the server send one notification while the app is closed. Resolves
   * with the number the server stored.
   */
  async reportSubscriptions(templateIds) {
    const ids = Array.isArray(templateIds) ? templateIds.filter((t) => typeof t === 'string' && t) : [];
    if (!ids.length) return 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.auth.token();
      const res = await this.adapter.request({
        method: 'POST', url: this.baseUrl + '/api/wx/subscriptions', body: { template_ids: ids.slice(0, 10) },
        timeoutMs: REQUEST_TIMEOUT_MS, headers: { Authorization: 'Bearer ' + token },
      });
      if (res.status === 200 && res.data && typeof res.data.accepted === 'number') return res.data.accepted;
      if (res.status !== 401) throw new Error((res.data && res.data.error) || 'status ' + res.status);
      this.auth.forget(); // expired: log in again and report once more
    }
    throw new Error('unauthorized');
  }

  /** Signal typing; throttled to one frame per 2 s as the server expects. */
  typing() {
    const now = Date.now();
    if (!this._canSend() || now - this._lastTyping < TYPING_EVERY_MS) return;
    this._lastTyping = now;
    this._sendFrame({ type: 'typing' });
  }

  /** Load older messages of the current conversation; resolves with a list, oldest first. */
  loadHistory(beforeSeq, limit) {
    return this._requestHistory('load', Number(beforeSeq), Math.min(100, Math.max(1, Number(limit) || 50)));
  }

  _requestHistory(purpose, beforeSeq, limit, extra) {
    if (!this._canSend()) return Promise.reject(new Error('not_connected'));
    return new Promise((resolve, reject) => {
      const entry = Object.assign({ purpose, resolve, reject }, extra || {});
      this._history.push(entry);
      entry.timer = setTimeout(() => {
        const i = this._history.indexOf(entry);
        if (i >= 0) this._history.splice(i, 1);
        reject(new Error('timeout'));
      }, REQUEST_TIMEOUT_MS);
      this._sendFrame({ type: 'history', before_seq: beforeSeq, limit });
    });
  }

  _failPending(why) {
    for (const h of this._history.splice(0)) {
      clearTimeout(h.timer);
      h.reject(new Error(why));
    }
    if (why === 'stopped') for (const r of this._pendingRates.splice(0)) r.reject(new Error(why));
  }

  // ----------------------------------------------------------- heartbeat

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
  }

  _probe() {
    const s = this._sock;
    if (!s || !s.synced) return;
    const sentAt = Date.now();
    this._sendFrame({ type: 'ping', ts: sentAt });
    this._timer('probe', 3000, () => {
      if (this._sock === s && s.lastRx < sentAt) this._abandon('probe_lost');
    });
  }

  // ------------------------------------------------------------ receiving

  _dispatch(frame) {
    const handler = HANDLERS[frame.type];
    if (handler) handler(this, frame);
    else this.emit('frame', frame);
  }

  _onWelcome(f) {
    this._sock.wire.configure(f);
    this._welcome = f;
    this._setConversation(f.conversation, false);
    this._startHeartbeat(f.heartbeat_s);
    this.emit('welcome', f);
  }

  _onSynced(f) {
    const s = this._sock;
    this._clear('sync');
    s.synced = true;
    this.failures = 0;
    this._authRetries = 0;
    this.backoff.reset();
    if (this.poll) this.poll.stop();
    this._setTransport('socket');
    this._setState('open', { protocol: s.protocol, recovered: Boolean(this._welcome && this._welcome.recovered) });
    this.emit('synced', f);
    this._flushOutbox();
    for (const frame of this._controls.splice(0)) this._sendFrame(frame);
    this._checkTail(Number(f.last_seq) || 0);
  }

  // After a resume into a conversation that changed, messages of the current
  // one may be missing entirely: fetch what is past what is held.
  _checkTail(lastSeq) {
    const c = this.conversation;
    if (!c || !lastSeq) return;
    const have = this.sequencer.lastSeq(c.id);
    if (have !== null && have >= lastSeq) return;
    const after = have === null ? Math.max(0, lastSeq - 50) : have;
    this.sequencer.setBaseline(c.id, after);
    this._fillGap({ conversation_id: c.id, after, before: lastSeq + 1 });
  }

  _setConversation(conv, announce) {
    if (!conv || !conv.id) return;
    const changed = !this.conversation || this.conversation.id !== conv.id;
    this.conversation = Object.assign({}, changed ? {} : this.conversation, conv);
    if (changed) this.emit('conversation', this.conversation);
    if (announce) this.emit('status', this.conversation);
  }

  _onStatus(f) {
    const isNew = this.conversation && this.conversation.id !== f.conversation_id;
    // A status for a conversation never seen means it was just opened
    // (after the previous one closed): its seq starts at 1.
    if (isNew && this.sequencer.lastSeq(f.conversation_id) === null) this.sequencer.setBaseline(f.conversation_id, 0);
    const conv = { id: f.conversation_id, status: f.status, queue_position: f.queue_position, agent_name: f.agent_name };
    if (f.queue_position === undefined) delete conv.queue_position;
    if (f.agent_name === undefined) delete conv.agent_name;
    if (isNew) {
      this.conversation = null;
    }
    this._setConversation(conv, false);
    this.emit('status', Object.assign({}, f));
  }

  _onMessage(m) {
    if (m.media) m = Object.assign({}, m, { media: this.absoluteMedia(m.media) });
    if (m.stream_id) this.streams.finish(m.stream_id);
    // Our own message seen in a replay: its ack was lost, but it is stored.
    if (m.client_msg_id && this.outbox.get(m.client_msg_id)) {
      this.outbox.remove(m.client_msg_id);
      this._forgetSent(m.client_msg_id);
    }
    this._offer(m);
  }

  _onAck(a) {
    const item = this.outbox.remove(a.client_msg_id);
    this._forgetSent(a.client_msg_id);
    this.emit('ack', a, item);
    if (item && a.seq !== undefined) {
      const own = {
        msg_id: a.msg_id, conversation_id: a.conversation_id, seq: a.seq, sender: 'customer',
        text: item.text, ts: a.ts, client_msg_id: a.client_msg_id,
      };
      if (item.media) own.media = item.media;
      this._offer(own);
    }
  }

  /** The first message sent on this socket that got no ack: the server handles frames in order. */
  _lastUnacked() {
    const list = this._closedUnacked || [];
    return list.find((id) => this.outbox.get(id)) || null;
  }

  _forgetSent(clientMsgId) {
    const i = this._sentUnacked.indexOf(clientMsgId);
    if (i >= 0) this._sentUnacked.splice(i, 1);
  }

  /** Run a message through dedup/ordering and deliver what is ready. */
  _offer(m) {
    const { deliver, gap } = this.sequencer.accept(m);
    for (const msg of deliver) this.emit('message', msg);
    if (gap) this._timer('gap', GAP_WAIT_MS, () => this._fillGap(this.sequencer.gap(gap.conversation_id)));
    else if (deliver.length) this._clear('gap');
  }

  /** Ask the server for the messages in a hole; give up on what it cannot fill. */
  _fillGap(gap) {
    if (!gap || !this._canSend()) return;
    if (this.conversation && gap.conversation_id !== this.conversation.id) {
      // `history` reads the current conversation only; a hole in an older
      // one is released to the app rather than left blocking.
      for (const msg of this.sequencer.release(gap.conversation_id)) this.emit('message', msg);
      return;
    }
    const missing = gap.before - gap.after - 1;
    this._requestHistory('gap', gap.before, Math.min(100, Math.max(1, missing)), { gap })
      .catch(() => {});
  }

  _onHistory(f) {
    const entry = this._history.shift();
    const messages = (Array.isArray(f.messages) ? f.messages : [])
      .map((m) => (m && m.media ? Object.assign({}, m, { media: this.absoluteMedia(m.media) }) : m));
    if (!entry) return;
    clearTimeout(entry.timer);
    if (entry.purpose === 'gap') {
      for (const m of messages) this._offer(m);
      // What history could not supply is lost to this client: release the rest in order.
      for (const m of this.sequencer.release(entry.gap.conversation_id)) this.emit('message', m);
      this._clear('gap');
      entry.resolve(messages);
      return;
    }
    this.emit('history', messages);
    entry.resolve(messages);
  }

  _onError(f) {
    this.emit('error', Object.assign({}, f));
    // An error tied to one message means that message will never be acked;
    // retrying it would fail the same way, except for transient refusals.
    if (f.client_msg_id && this.outbox.get(f.client_msg_id) && !/rate|busy|retry|unavailable|closed/.test(f.code || '')) {
      const item = this.outbox.remove(f.client_msg_id);
      this._forgetSent(f.client_msg_id);
      this.emit('rejected', { code: f.code, client_msg_id: f.client_msg_id, item });
    }
  }
}

const HANDLERS = {
  welcome: (c, f) => c._onWelcome(f),
  synced: (c, f) => c._onSynced(f),
  message: (c, f) => c._onMessage(f),
  ack: (c, f) => c._onAck(f),
  stream: (c, f) => {
    const preview = c.streams.add(f);
    if (preview) c.emit('stream', preview);
  },
  status: (c, f) => c._onStatus(f),
  rated: (c, f) => {
    const p = c._pendingRates.shift();
    if (p) p.resolve(f);
    c.emit('rated', f);
  },
  typing: (c, f) => c.emit('typing', f),
  receipt: (c, f) => c.emit('receipt', f),
  history: (c, f) => c._onHistory(f),
  kick: (c, f) => {
    c._kickReason = f.reason || 'signed_in_elsewhere';
  },
  error: (c, f) => c._onError(f),
  pong: (c, f) => c.emit('pong', f),
};
