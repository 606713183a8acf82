// Frames from the server, handled by CsbotClient: welcome, synced (the end of
// the replay), messages and acks put in order by the sequencer, status,
// stream previews, rated, errors and the rest, one handler per frame type.
//
// Methods of the client; client.js adds them to its prototype.
const GAP_WAIT_MS = 1500; // a late wake-up usually fills a hole by itself

export const receivingMethods = {
  _dispatch(frame) {
    const handler = HANDLERS[frame.type];
    if (handler) handler(this, frame);
    else this.emit('frame', frame);
  },

  _onWelcome(f) {
    this._sock.wire.configure(f);
    this._welcome = f;
    this._setConversation(f.conversation, false);
    this._startHeartbeat(f.heartbeat_s);
    this.emit('welcome', f);
  },

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
  },

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
  },

  _setConversation(conv, announce) {
    if (!conv || !conv.id) return;
    const changed = !this.conversation || this.conversation.id !== conv.id;
    this.conversation = Object.assign({}, changed ? {} : this.conversation, conv);
    if (changed) this.emit('conversation', this.conversation);
    if (announce) this.emit('status', this.conversation);
  },

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
  },

  _onMessage(m) {
    if (m.media) m = Object.assign({}, m, { media: this.absoluteMedia(m.media) });
    if (m.stream_id) this.streams.finish(m.stream_id);
    // Our own message seen in a replay: its ack was lost, but it is stored.
    if (m.client_msg_id && this.outbox.get(m.client_msg_id)) {
      this.outbox.remove(m.client_msg_id);
      this._forgetSent(m.client_msg_id);
    }
    this._offer(m);
  },

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
  },

  _onError(f) {
    this.emit('error', Object.assign({}, f));
    // An error tied to one message means that message will never be acked;
    // retrying it would fail the same way, except for transient refusals.
    if (f.client_msg_id && this.outbox.get(f.client_msg_id) && !/rate|busy|retry|unavailable|closed/.test(f.code || '')) {
      const item = this.outbox.remove(f.client_msg_id);
      this._forgetSent(f.client_msg_id);
      this.emit('rejected', { code: f.code, client_msg_id: f.client_msg_id, item });
    }
  },

  // ------------------------------------------------------------- delivery

  /** The first message sent on this socket that got no ack: the server handles frames in order. */
  _lastUnacked() {
    const list = this._closedUnacked || [];
    return list.find((id) => this.outbox.get(id)) || null;
  },

  _forgetSent(clientMsgId) {
    const i = this._sentUnacked.indexOf(clientMsgId);
    if (i >= 0) this._sentUnacked.splice(i, 1);
  },

  /** Run a message through dedup/ordering and deliver what is ready. */
  _offer(m) {
    const { deliver, gap } = this.sequencer.accept(m);
    for (const msg of deliver) this.emit('message', msg);
    if (gap) this._timer('gap', GAP_WAIT_MS, () => this._fillGap(this.sequencer.gap(gap.conversation_id)));
    else if (deliver.length) this._clear('gap');
  },
};

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
