// CsbotClient: one customer's connection to the chat service.
//
// States: idle -> connecting -> open; a lost socket goes to reconnecting and
// back to open; after `maxFailures` consecutive failures it goes offline
// (and emits 'gaveup') until the app returns to the foreground or the
// network comes back; stopped is final (close(), a kick, 4403, 4410).
// A mini-program in the background is frozen by WeChat: a socket lost there
// waits in reconnecting for the app to come back rather than retrying.
//
// This module holds the public API, the client's state and its outbox. The
// rest is beside it, by responsibility:
//   connection.js     connecting, reconnecting with resume, the heartbeat
//   receiving.js      frames from the server, delivered in order
//   history.js        history requests: paging and filling holes
//   close-codes.js    what each close code makes the client do
//   longpoll.js       the HTTP fallback
//   pictures.js       sendImage and uploadImage
//   subscriptions.js  reportSubscriptions
import { Emitter } from './emitter.js';
import { Backoff } from './backoff.js';
import { Outbox } from './outbox.js';
import { textProblem, TEXT_MESSAGES } from './text.js';
import { Sequencer } from './sequencer.js';
import { StreamAssembler } from './streams.js';
import { Auth } from './auth.js';
import { newId } from './ids.js';
import { LongPoll } from './longpoll.js';
import { connectionMethods } from './connection.js';
import { receivingMethods } from './receiving.js';
import { historyMethods } from './history.js';
import * as pictures from './pictures.js';
import { reportSubscriptions } from './subscriptions.js';

const TYPING_EVERY_MS = 2000;

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

  /**
   * Queue a text message; it is sent now or after the next sync, and stays
   * in the persisted outbox until the server acknowledges it.
   */
  send(text) {
    const problem = textProblem(text);
    if (problem) return this._refuse(problem, TEXT_MESSAGES[problem]);
    return this._queue({ client_msg_id: newId('m-', this.random), text, created_at: Date.now() });
  }

  /**
   * Upload a picture (browser: a File or Blob; mini-program: the temp path
   * wx.chooseMedia gives) and queue a message carrying it, with optional
   * words. Resolves with the queued item, or null when the server refused
   * the picture (an `error` event says why: too_large, unsupported_type,
   * rejected). Once queued it is sent, acknowledged and deduplicated like text.
   */
  sendImage(file, text) {
    return pictures.sendImage(this, file, text);
  }

  /** POST a picture to /api/chat/media; resolve with the server's answer (media_id, url, thumb_url ...). */
  uploadImage(file) {
    return pictures.uploadImage(this, file);
  }

  /** A picture's `media` with its signed URLs made absolute (the server sends paths; <image> needs full URLs). */
  absoluteMedia(media) {
    return pictures.absoluteMedia(this, media);
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

  /**
   * Report the one-time subscription consents the user accepted in
   * wx.requestSubscribeMessage (pass the ids whose answer was 'accept'); each
   * lets the server send one notification while the app is closed. Resolves
   * with the number the server stored.
   */
  reportSubscriptions(templateIds) {
    return reportSubscriptions(this, templateIds);
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

  _failPending(why) {
    for (const h of this._history.splice(0)) {
      clearTimeout(h.timer);
      h.reject(new Error(why));
    }
    if (why === 'stopped') for (const r of this._pendingRates.splice(0)) r.reject(new Error(why));
  }

  // --------------------------------------------------------------- outbox

  /**
   * Put a message in the persisted outbox and send it now if the socket (or
   * the long poll) can; a full outbox refuses it. Returns the item, or null.
   */
  _queue(item) {
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
}

// The methods of connection.js, receiving.js and history.js, added as the
// class body adds its own: not enumerable.
for (const methods of [connectionMethods, receivingMethods, historyMethods]) {
  for (const name of Object.keys(methods)) {
    Object.defineProperty(CsbotClient.prototype, name, { value: methods[name], writable: true, configurable: true });
  }
}
