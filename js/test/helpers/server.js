// Starts real daphne processes for end-to-end tests: each gets its own
// SQLite file and a free loopback port. Only 127.0.0.1 is ever used.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PY = path.join(ROOT, '.venv', 'bin', 'python');
const DAPHNE = path.join(ROOT, '.venv', 'bin', 'daphne');

function serverAvailable() {
  return fs.existsSync(DAPHNE) && fs.existsSync(path.join(ROOT, 'csbot', 'asgi.py'));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port, timeoutMs) {
  const deadline = performance.now() + timeoutMs; // monotonic: a wall-clock step must not end the wait
  while (performance.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('daphne did not listen on ' + port + ' in ' + timeoutMs + ' ms');
}

/**
 * A daphne instance bound to one database. start() can be called again
 * after kill() to simulate a restart on the same port and data.
 */
class DaphneServer {
  constructor(env = {}) {
    this.id = process.pid + '-' + Math.random().toString(36).slice(2, 8);
    this.dbPath = path.join(os.tmpdir(), 'csbot-js-' + this.id + '.db');
    this.env = Object.assign({}, process.env, {
      DATABASE_URL: 'sqlite:///' + this.dbPath,
      DJANGO_SETTINGS_MODULE: 'csbot.settings',
      CSBOT_DEV_LOGIN: '1',
      // DATABASE_URL switches the settings out of the embedded (DEBUG) mode,
      // which then insist on an explicit key and host list.
      SECRET_KEY: 'js-tests-only-' + this.id,
      ALLOWED_HOSTS: '127.0.0.1,localhost',
      PYTHONUNBUFFERED: '1',
      // These tests count exactly the messages they send; the bot would add its own.
      CSBOT_BOT_ENABLED: '0',
      // Uploaded pictures go to a folder of this server's own, never the checkout.
      MEDIA_ROOT: path.join(os.tmpdir(), 'csbot-js-media-' + this.id),
    }, env);
    delete this.env.REDIS_URL; // one process, in-memory channel layer
    this.proc = null;
    this.port = null;
    this.log = '';
  }

  migrate() {
    execFileSync(PY, ['manage.py', 'migrate', '--noinput'], { cwd: ROOT, env: this.env, stdio: 'pipe', timeout: 120000 });
  }

  async start() {
    if (!this.port) this.port = await freePort();
    this.proc = spawn(DAPHNE, ['-b', '127.0.0.1', '-p', String(this.port), 'csbot.asgi:application'], {
      cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d) => {
      this.log = (this.log + d.toString()).slice(-20000);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    await waitForPort(this.port, 30000);
    return this;
  }

  get baseUrl() {
    return 'http://127.0.0.1:' + this.port;
  }

  /** Kill without a close frame (SIGKILL): clients see an abnormal close. */
  async kill(signal = 'SIGKILL') {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, sleep(10000)]);
  }

  async stop() {
    await this.kill('SIGKILL');
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(this.dbPath + suffix, { force: true });
  }
}

/** Poll `fn` until it returns truthy, at most `timeoutMs`. */
async function waitFor(fn, timeoutMs = 10000, label = 'condition') {
  const deadline = performance.now() + timeoutMs; // monotonic: a wall-clock step must not end the wait
  while (performance.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  throw new Error('timed out waiting for ' + label);
}

/** Wait for the next `event` from an emitter, bounded by `timeoutMs`. */
function nextEvent(emitter, event, timeoutMs = 10000, pred = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for event ' + event));
    }, timeoutMs);
    const off = emitter.on(event, (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args.length > 1 ? args : args[0]);
    });
  });
}

module.exports = { DaphneServer, serverAvailable, waitFor, nextEvent, sleep, ROOT };
