// The outbox holds customer messages until the server acknowledges them.
// It is persisted so a message typed just before the app was killed or the
// network dropped is sent after the next start; each entry keeps its
// client_msg_id for life, which is what lets the server drop duplicates.
const MAX_ITEMS = 200;

export class Outbox {
  constructor(storage, key) {
    this.storage = storage;
    this.key = key;
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

  _save() {
    this.storage.set(this.key, JSON.stringify(this.items));
  }

  /** Append a message; the caller has already validated the text. */
  add(item) {
    if (this.items.length >= MAX_ITEMS) throw new Error('outbox_full');
    this.items.push(item);
    this._save();
    return item;
  }

  /** Remove an entry by client_msg_id; returns it, or null when unknown. */
  remove(clientMsgId) {
    const i = this.items.findIndex((m) => m.client_msg_id === clientMsgId);
    if (i < 0) return null;
    const [item] = this.items.splice(i, 1);
    this._save();
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
