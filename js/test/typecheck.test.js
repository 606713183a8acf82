// The wx adapter is type checked against WeChat's published API typings
// (miniprogram-api-typings), so a misspelt option or a wrong callback shape
// fails here rather than on a phone.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const JS = path.resolve(__dirname, '..');
const TSC = path.join(JS, 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(project) {
  return spawnSync(process.execPath, [TSC, '-p', project], { cwd: JS, encoding: 'utf8', timeout: 120000 });
}

test('the wx adapter type-checks against miniprogram-api-typings', () => {
  const r = tsc(path.join(JS, 'tsconfig.wx.json'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the type check catches a wrong use of wx', () => {
  const dir = fs.mkdtempSync(path.join(JS, '.tscheck-'));
  try {
    fs.writeFileSync(path.join(dir, 'bad.js'), [
      '/** @param {WechatMiniprogram.Wx} wx */',
      'export function open(wx) {',
      "  const task = wx.connectSocket({ uri: 'wss://example.com' });",
      '  task.close(1000);',
      '}',
      '',
    ].join('\n'));
    const config = JSON.parse(fs.readFileSync(path.join(JS, 'tsconfig.wx.json'), 'utf8'));
    config.compilerOptions.typeRoots = ['../node_modules'];
    config.files = ['bad.js'];
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    const r = tsc(path.join(dir, 'tsconfig.json'));
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /uri/);
    assert.match(r.stdout, /TS2559|TS2345|TS2353|TS2769/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
