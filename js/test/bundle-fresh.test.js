// Fails when the committed bundle or protobuf descriptor is older than its
// sources: rebuilds both into a temporary folder and compares.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const JS = path.resolve(__dirname, '..');
const STATIC = path.resolve(JS, '..', 'chat', 'static', 'chat');

test('committed bundle and descriptor match a fresh build', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csbot-build-'));
  try {
    execFileSync(process.execPath, [path.join(JS, 'build.mjs'), '--out', dir], { cwd: JS, stdio: 'pipe', timeout: 120000 });
    const fresh = fs.readFileSync(path.join(dir, 'descriptor.json'), 'utf8');
    const committed = fs.readFileSync(path.join(STATIC, 'src', 'proto', 'descriptor.json'), 'utf8');
    assert.equal(committed, fresh, 'descriptor.json is stale: run `npm run build --prefix js`');
    const bundle = fs.readFileSync(path.join(dir, 'csbot-sdk.js'), 'utf8');
    const shipped = fs.readFileSync(path.join(STATIC, 'csbot-sdk.js'), 'utf8');
    assert.ok(bundle === shipped, 'csbot-sdk.js is stale: run `npm run build --prefix js`');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
