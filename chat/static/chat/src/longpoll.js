// Long-poll fallback: the same contract over HTTP for networks where
// WebSockets keep failing (some corporate proxies). It runs beside the
// socket's own retries and stops as soon as a socket syncs again.
import { Backoff } from './backoff.js';

const MAX_AUTH_RETRIES = 2;

export class LongPoll {
  constructor(client, { afterFailures = 3, timeoutS = 25 } = {}) {
    this.client = client;
    this.afterFailures = afterFailures;
    this.timeoutS = Math.min(30, timeoutS);
    this.running = false;
    this.generation = 0;
    this.backoff = new Backoff({ baseMs: 1000, capMs: 30000, random: client.random });
    this._flushing = null;
  }

  shouldStart(failures) {
    return !this.running && failures >= this.afterFailures;
  }

  start() {
    if (this.running) return;
    this.running = true;
    const gen = ++this.generation;
    this._loop(gen);
  }

  stop() {
    this.running = false;
    this.generation += 1;
  }

  _alive(gen) {
    return this.running && gen === this.generation && this.client.state !== 'stopped';
  }

  async _request(method, path, body, timeoutMs) {
    const c = this.client;
    for (let attempt = 0; attempt <= MAX_AUTH_RETRIES; attempt++) {
      const token = await c.auth.token();
      const res = await c.adapter.request({
        method, url: c.baseUrl + path, body, timeoutMs,
        headers: { Authorization: 'Bearer ' + token },
      });
      if (res.status !== 401) return res;
      c.auth.forget(); // expired or revoked: log in again and repeat once
    }
    throw new Error('unauthorized');
  }

  /** Send the outbox over HTTP, in order; stops at the first failure. */
  flush() {
    if (!this._flushing) {
      this._flushing = this._flush().finally(() => {
        this._flushing = null;
      });
    }
    return this._flushing;
  }

  async _flush() {
    const c = this.client;
    for (const item of c.outbox.list()) {
      if (!this.running || c._canSend()) return;
      const body = { client_msg_id: item.client_msg_id, text: item.text };
      if (item.media_id) body.media_id = item.media_id;
      const res = await this._request('POST', '/api/chat/messages', body, 15000);
      if (res.status === 200 && res.data && res.data.client_msg_id) {
        c._onAck(res.data);
      } else if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        c._reject(item.client_msg_id, (res.data && res.data.error) || 'rejected');
      } else {
        throw new Error('send failed: ' + res.status);
      }
    }
  }

  async _loop(gen) {
    const c = this.client;
    c._setTransport('poll');
    while (this._alive(gen)) {
      try {
        await this.flush();
        const conv = c.conversation;
        const after = (conv && c.sequencer.lastSeq(conv.id)) || 0;
        const res = await this._request('GET', '/api/chat/poll?after_seq=' + after + '&timeout=' + this.timeoutS, undefined, (this.timeoutS + 10) * 1000);
        if (!this._alive(gen)) return;
        if (res.status !== 200 || !res.data) throw new Error('poll failed: ' + res.status);
        this.backoff.reset();
        const status = res.data.status;
        if (status && status.conversation_id) c._onStatus(Object.assign({ type: 'status' }, status));
        for (const m of res.data.messages || []) c._onMessage(m);
      } catch (err) {
        if (!this._alive(gen)) return;
        c.emit('poll_error', { message: err.message });
        await new Promise((r) => setTimeout(r, this.backoff.next()));
      }
    }
  }
}
