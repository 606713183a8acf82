// A network flap and three wake-ups with slow handshakes, in the bare
// mini-program runtime against daphne behind a flaky proxy: every run must
// end with exactly one open socket, and never more than WeChat's 5 tasks.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { DaphneServer, serverAvailable, waitFor, nextEvent, sleep } = require('./helpers/server.js');
const { loadMiniProgram } = require('./helpers/wx-runtime.js');
const { FlakyProxy } = require('./helpers/flaky-proxy.js');

const skip = !serverAvailable() && 'server not present';
const RUNS = 8;

test('flap and wake races end with one open socket', { skip, timeout: 300000 }, async (t) => {
  const srv = new DaphneServer();
  srv.migrate();
  await srv.start();
  const proxy = await new FlakyProxy(srv.port).listen();
  t.after(async () => {
    await proxy.close();
    await srv.stop();
  });
  const wsUrl = 'ws://127.0.0.1:' + proxy.port + '/ws/chat/';

  await t.test('a task closed while still connecting is closed once it opens', async () => {
    proxy.handshakeDelayMs = 500;
    const { sdk, wx, control } = loadMiniProgram();
    const adapter = sdk.adapters.createWxAdapter(wx);
    const seen = [];
    const handlers = {
      onopen: () => seen.push('open'), onmessage: () => seen.push('message'),
      onerror: () => seen.push('error'), onclose: (ev) => seen.push('close ' + ev.code),
    };
    const sock = adapter.connect({ url: wsUrl, protocols: ['csbot.v1.json'], headers: {} }, handlers);
    sock.close(1000);
    assert.equal(adapter.liveSockets(), 1, 'still connecting');
    await waitFor(() => control.liveTasks().length === 0, 5000, 'task closed after it opened');
    assert.equal(control.stats.closeWhileConnecting, 0, 'never asked WeChat to close a connecting task');
    assert.equal(adapter.liveSockets(), 0);
    // The server may close first (this socket carries no token); either way
    // the client hears one close and nothing of the socket it gave up on.
    assert.equal(seen.length, 1, seen.join());
    assert.match(seen[0], /^close /);
  });

  const outcomes = [];
  for (let run = 1; run <= RUNS; run++) {
    await t.test(`run ${run} of ${RUNS}`, async () => {
      proxy.handshakeDelayMs = 0;
      proxy.down = false;
      const { sdk, control } = loadMiniProgram({ platform: 'android' });
      const client = new sdk.CsbotClient({
        baseUrl: srv.baseUrl, wsUrl, login: 'dev', openid: 'race-' + process.pid + '-' + run,
        backoff: { baseMs: 100, capMs: 1000 }, longPoll: false,
      });
      try {
        const synced = nextEvent(client, 'synced', 15000);
        client.start();
        await synced;
        // Slow handshakes from here on, each a little different.
        proxy.handshakeDelayMs = 600 + ((run * 137) % 700);
        proxy.down = true;
        proxy.flap();
        control.network(false);
        await sleep(80);
        control.show(); // wake 1: still down, fails fast
        await sleep(120);
        proxy.down = false;
        control.network(true); // wake 2: a slow handshake starts
        await sleep(150);
        control.show(); // wake 3: during that handshake
        await waitFor(() => client.state === 'open', 20000, 'open again');
        await sleep(1500); // let any straggler finish its slow handshake
        const open = control.openTasks().length;
        outcomes.push({ run, state: client.state, open, proxied: proxy.open, maxLive: control.stats.maxLive, created: control.stats.created, closeWhileConnecting: control.stats.closeWhileConnecting });
        assert.equal(client.state, 'open');
        assert.equal(open, 1, 'one open SocketTask');
        assert.equal(proxy.open, 1, 'one open connection at the server side');
        assert.ok(control.stats.maxLive <= 5, 'at most 5 tasks at once, saw ' + control.stats.maxLive);
        assert.equal(control.stats.refused, 0);
        // WeChat ignores close() on a task still connecting: that task would
        // leak toward the limit, so the SDK must never rely on it.
        assert.equal(control.stats.closeWhileConnecting, 0, 'closed a task that was still connecting');
        const acked = nextEvent(client, 'ack', 10000);
        client.send('after the race ' + run);
        await acked;
      } finally {
        client.close();
        await sleep(100);
      }
    });
  }
  console.log('# flap-and-wake runs: ' + JSON.stringify(outcomes));
});
