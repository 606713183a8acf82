// A TCP proxy on 127.0.0.1 in front of a test server that can make the
// network misbehave: hold back the server's first bytes (a slow WebSocket
// handshake), drop every connection at once (a flap) and refuse new ones.
'use strict';
const net = require('node:net');

class FlakyProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.handshakeDelayMs = 0;
    this.down = false;
    this.conns = new Set();
    this.accepted = 0;
    this.server = net.createServer((client) => this._accept(client));
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      resolve(this);
    }));
  }

  _accept(client) {
    if (this.down) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const conn = { client, upstream };
    this.conns.add(conn);
    const delay = this.handshakeDelayMs;
    let held = delay > 0 ? [] : null;
    if (held) {
      setTimeout(() => {
        const chunks = held;
        held = null;
        for (const c of chunks) if (!client.destroyed) client.write(c);
      }, delay);
    }
    upstream.on('data', (d) => (held ? held.push(d) : client.write(d)));
    client.on('data', (d) => upstream.write(d));
    const end = () => {
      this.conns.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  /** Drop every connection without a close frame, as a lost network does. */
  flap() {
    for (const { client, upstream } of this.conns) {
      client.destroy();
      upstream.destroy();
    }
    this.conns.clear();
  }

  get open() {
    return this.conns.size;
  }

  close() {
    this.flap();
    return new Promise((r) => this.server.close(() => r()));
  }
}

module.exports = { FlakyProxy };
