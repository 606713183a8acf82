// A tiny event emitter: the SDK must run where Node's EventEmitter and the
// DOM's EventTarget do not exist (the mini-program runtime has neither).
export class Emitter {
  constructor() {
    this._handlers = Object.create(null);
  }

  /** Register a handler; returns a function that removes it. */
  on(event, handler) {
    (this._handlers[event] || (this._handlers[event] = [])).push(handler);
    return () => this.off(event, handler);
  }

  /** Register a handler that runs at most once. */
  once(event, handler) {
    const off = this.on(event, (...args) => {
      off();
      handler(...args);
    });
    return off;
  }

  off(event, handler) {
    const list = this._handlers[event];
    if (!list) return;
    const i = list.indexOf(handler);
    if (i >= 0) list.splice(i, 1);
  }

  emit(event, ...args) {
    const list = this._handlers[event];
    if (!list) return;
    // Copy first: a handler may remove itself (once) while we iterate.
    for (const handler of list.slice()) {
      try {
        handler(...args);
      } catch (err) {
        // An application handler that throws must not break the socket loop.
        if (event !== 'error') this.emit('error', { code: 'handler_failed', message: String(err && err.message || err), cause: err });
      }
    }
  }
}
