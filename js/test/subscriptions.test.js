// reportSubscriptions: the consents a user accepted reach POST /api/wx/subscriptions
// with the stored token, once more after a 401 with a fresh login. No network involved.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { CsbotClient } = require('../../chat/static/chat/csbot-sdk.js');
const { createFakeAdapter } = require('./helpers/fake-adapter.js');

function make(answers) {
  const adapter = createFakeAdapter();
  const login = adapter.request;
  const calls = [];
  adapter.request = async (req) => {
    if (req.url.endsWith('/api/wx/subscriptions')) {
      calls.push(req);
      return answers.shift();
    }
    return login(req);
  };
  const client = new CsbotClient({ baseUrl: 'http://127.0.0.1:1/', adapter, login: 'dev', openid: 'o1', longPoll: false });
  return { client, calls };
}

test('reportSubscriptions posts the accepted template ids with the token and resolves with the count', async () => {
  const { client, calls } = make([{ status: 200, data: { accepted: 2 } }]);
  assert.equal(await client.reportSubscriptions(['TPL-REPLY', 'TPL-RATE']), 2);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].method, 'POST');
  assert.equal(calls[0].url, 'http://127.0.0.1:1/api/wx/subscriptions');
  assert.deepEqual(calls[0].body, { template_ids: ['TPL-REPLY', 'TPL-RATE'] });
  assert.equal(calls[0].headers.Authorization, 'Bearer tok-1');
});

test('an expired token logs in again and reports once more', async () => {
  const { client, calls } = make([{ status: 401, data: { error: 'unauthorized' } }, { status: 200, data: { accepted: 1 } }]);
  assert.equal(await client.reportSubscriptions(['TPL-REPLY']), 1);
  assert.deepEqual(calls.map((c) => c.headers.Authorization), ['Bearer tok-1', 'Bearer tok-2']);
});

test('nothing accepted sends nothing; a refused request rejects with the server code', async () => {
  const { client, calls } = make([{ status: 400, data: { error: 'invalid_request' } }]);
  assert.equal(await client.reportSubscriptions([]), 0);
  assert.equal(calls.length, 0);
  await assert.rejects(client.reportSubscriptions(['x']), /invalid_request/);
});
