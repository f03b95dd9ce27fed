// The script-tag bundle's size budget (min + gzip): at most 20,480 bytes and 0.9 x PeerJS, all
// features in (issues 18 and 22; rarely used parts load on first use from sibling files). The
// budget is what we hold today, so that any growth fails `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 20_466;
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

test(`dist/rtc-elements.js stays within ${BUDGET} bytes min+gzip, below simple-peer and at most 0.9 x PeerJS`, () => {
  const ours = gz('dist/rtc-elements.js');
  assert.ok(ours <= BUDGET, `the bundle is ${ours} bytes min+gzip; the budget is ${BUDGET}`);
  assert.ok(ours < gz('node_modules/simple-peer/simplepeer.min.js'), 'smaller than simple-peer');
  const peerjs = gz('node_modules/peerjs/dist/peerjs.min.js');
  assert.ok(ours <= 0.9 * peerjs, `${ours} bytes is more than 0.9 x PeerJS (${peerjs})`);
});

test('the bundle defines all three elements and carries no eval', () => {
  const code = readFileSync('dist/rtc-elements.js', 'utf8');
  for (const tag of ['rtc-call', 'rtc-data-channel', 'rtc-video']) assert.ok(code.includes(`"${tag}"`), tag);
  assert.ok(!/\beval\(|new Function\(/.test(code), 'no eval or new Function (strict CSP)');
});
