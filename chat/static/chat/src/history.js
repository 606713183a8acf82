// History requests of CsbotClient: the app's paging back through older
// messages (loadHistory) and the requests that fill a hole in the sequence.
// Answers come in the order the requests went out.
//
// Methods of the client; client.js adds them to its prototype.
const REQUEST_TIMEOUT_MS = 15000;

export const historyMethods = {
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
  },

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
  },

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
  },
};
