// The bundle's language level and the minimum base library: what the build
// targets, what the docs state and what the example project pins must agree,
// and the shipped bundle must parse at that level.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = fs.readFileSync(path.join(ROOT, 'chat', 'static', 'chat', 'csbot-sdk.js'), 'utf8');

async function buildConstants() {
  const mod = await import(path.join(ROOT, 'js', 'build.mjs'));
  return { target: mod.TARGET, minBase: mod.MIN_BASE_LIBRARY };
}

test('the bundle parses as the ECMAScript version it targets (ES2018 or lower)', async () => {
  const { target } = await buildConstants();
  const year = Number(target.replace(/^es/, ''));
  assert.ok(year <= 2018, 'target ' + target + ' is newer than ES2018');
  acorn.parse(BUNDLE, { ecmaVersion: year, sourceType: 'script' });
  // And a newer construct would be caught: optional chaining is ES2020.
  assert.throws(() => acorn.parse('a?.b', { ecmaVersion: year }));
});

test('the bundle generates no code at run time', () => {
  assert.doesNotMatch(BUNDLE, /\beval\s*\(/);
  assert.doesNotMatch(BUNDLE, /\bnew\s+Function\s*\(|[^.\w]Function\s*\(/);
  assert.doesNotMatch(BUNDLE, /\bnew\s+TextDecoder\b|\bnew\s+TextEncoder\b/);
});

test('docs and the example project state the same minimum base library and compile settings', async () => {
  const { minBase, target } = await buildConstants();
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'miniprogram', 'project.config.json'), 'utf8'));
  assert.equal(project.libVersion, minBase);
  assert.equal(project.compileType, 'miniprogram');
  assert.equal(project.setting.es6, true, 'DevTools must lower the bundle further for old phones');
  assert.equal(project.setting.enhance, true);
  const sdkDoc = fs.readFileSync(path.join(ROOT, 'docs', 'sdk.md'), 'utf8');
  const mpDoc = fs.readFileSync(path.join(ROOT, 'docs', 'miniprogram', 'README.md'), 'utf8');
  for (const doc of [sdkDoc, mpDoc]) {
    assert.match(doc, new RegExp('base library \\*\\*' + minBase.replace(/\./g, '\\.') + '\\*\\*'));
    assert.match(doc, new RegExp(target.toUpperCase()));
  }
});
