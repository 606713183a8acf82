// Orders and de-duplicates messages by their per-conversation seq.
// The server guarantees a gapless 1, 2, 3 ... per conversation, but a
// wake-up can be lost or arrive late (the channel layer is at-most-once), and
// replays after a reconnect overlap what was already shown. So: drop what is
// at or below the last delivered seq, hold what is ahead of a hole, and
// report the hole so the client can ask for it.
const MAX_HELD = 500;

export class Sequencer {
  constructor() {
    this.convs = new Map(); // conversation_id -> { last, held: Map(seq -> msg) }
  }

  _conv(id) {
    let c = this.convs.get(id);
    if (!c) {
      c = { last: null, held: new Map() };
      this.convs.set(id, c);
    }
    return c;
  }

  /** Declare what has been seen of a conversation (0 for a brand-new one). */
  setBaseline(conversationId, lastSeq) {
    const c = this._conv(conversationId);
    if (c.last === null || lastSeq > c.last) c.last = lastSeq;
  }

  /** Last seq delivered for a conversation, or null when nothing is known. */
  lastSeq(conversationId) {
    const c = this.convs.get(conversationId);
    return c ? c.last : null;
  }

  /**
   * Offer one message. Returns { deliver: [...in order], gap } where gap is
   * null or { conversation_id, after, before }: seqs after < s < before are missing.
   */
  accept(msg) {
    const seq = Number(msg.seq);
    if (!msg.conversation_id || !Number.isFinite(seq)) return { deliver: [msg], gap: null };
    const c = this._conv(msg.conversation_id);
    // A conversation seen for the first time (a fresh page, no resume point)
    // starts wherever the server's page starts.
    if (c.last === null) c.last = seq - 1;
    if (seq <= c.last || c.held.has(seq)) return { deliver: [], gap: null };
    if (seq > c.last + 1) {
      if (c.held.size < MAX_HELD) c.held.set(seq, msg);
      return { deliver: [], gap: this.gap(msg.conversation_id) };
    }
    c.last = seq;
    const deliver = [msg].concat(this._drain(c));
    return { deliver, gap: this.gap(msg.conversation_id) };
  }

  _drain(c) {
    const out = [];
    while (c.held.has(c.last + 1)) {
      c.last += 1;
      out.push(c.held.get(c.last));
      c.held.delete(c.last);
    }
    return out;
  }

  /** The first hole in a conversation, or null. */
  gap(conversationId) {
    const c = this.convs.get(conversationId);
    if (!c || c.held.size === 0) return null;
    const before = Math.min(...c.held.keys());
    return { conversation_id: conversationId, after: c.last, before };
  }

  /**
   * Give up on a hole (the server could not fill it): deliver everything held,
   * in order, accepting the missing seqs as lost to this client.
   */
  release(conversationId) {
    const c = this.convs.get(conversationId);
    if (!c || c.held.size === 0) return [];
    const seqs = Array.from(c.held.keys()).sort((a, b) => a - b);
    const out = seqs.map((s) => c.held.get(s));
    c.last = seqs[seqs.length - 1];
    c.held.clear();
    return out;
  }
}
