// The outbox holds customer messages until the server acknowledges them.
// It is persisted so a message typed just before the app was killed or the
// network dropped is sent after the next start; each entry keeps its
// client_msg_id for life, which is what lets the server drop duplicates.
//
// Memory and storage never disagree about what is queued: an entry joins
// the list only once storage has taken the new list. A mini-program key holds
// at most 1 MB, and wx.setStorageSync throws past it.
const MAX_ITEMS = 200;
// Below WeChat's 1 MB per key, with room for its own bookkeeping.
export const DEFAULT_MAX_BYTES = 1000 * 1000;

export class OutboxError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// UTF-8 size of a string, which is how storage limits are counted.
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

export class Outbox {
  constructor(storage, key, { maxBytes = DEFAULT_MAX_BYTES } = {}) {
    this.storage = storage;
    this.key = key;
    this.maxBytes = maxBytes;
    this.items = this._load();
  }

  _load() {
    try {
      const raw = this.storage.get(this.key);
      const list = typeof raw === 'string' ? JSON.parse(raw) : raw;
      return Array.isArray(list) ? list.filter((m) => m && m.client_msg_id && typeof m.text === 'string') : [];
    } catch (err) {
      return [];
    }
  }

  /** Write `list`; throws OutboxError('storage_full') when storage refuses it. */
  _write(list) {
    const text = JSON.stringify(list);
    if (utf8Length(text) > this.maxBytes) throw new OutboxError('storage_full', 'the outbox is at the storage limit');
    try {
      this.storage.set(this.key, text);
    } catch (err) {
      throw new OutboxError('storage_full', 'storage refused the outbox');
    }
  }

  /** Append a message; the caller has already validated the text. */
  add(item) {
    if (this.items.length >= MAX_ITEMS) throw new OutboxError('outbox_full', 'too many unsent messages');
    const next = this.items.concat([item]);
    this._write(next); // throws before memory changes
    this.items = next;
    return item;
  }

  /** Remove an entry by client_msg_id; returns it, or null when unknown. */
  remove(clientMsgId) {
    const i = this.items.findIndex((m) => m.client_msg_id === clientMsgId);
    if (i < 0) return null;
    const next = this.items.slice();
    const [item] = next.splice(i, 1);
    this.items = next;
    // A shorter list fits wherever the longer one did; if storage still fails,
    // the stale copy only holds messages the server deduplicates on resend.
    try {
      this._write(next);
    } catch (err) {
      // Nothing to tell the app: the message itself was handled.
    }
    return item;
  }

  get(clientMsgId) {
    return this.items.find((m) => m.client_msg_id === clientMsgId) || null;
  }

  /** Entries oldest first, which is the order they must be sent in. */
  list() {
    return this.items.slice();
  }

  get size() {
    return this.items.length;
  }
}
