// The script-tag bundle's size budget (min + gzip). The target is 20,480 bytes all in (issues 18
// and 22), not met yet; the budget here is what we hold today, so that any growth fails `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PRIVATE_NAMES } from '../../scripts/private-names.mjs';

const BUDGET = 21_945;
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

test(`dist/rtc-elements.js stays within ${BUDGET} bytes min+gzip and below simple-peer and PeerJS`, () => {
  const ours = gz('dist/rtc-elements.js');
  assert.ok(ours <= BUDGET, `the bundle is ${ours} bytes min+gzip; the budget is ${BUDGET}`);
  assert.ok(ours < gz('node_modules/simple-peer/simplepeer.min.js'), 'smaller than simple-peer');
  assert.ok(ours < gz('node_modules/peerjs/dist/peerjs.min.js'), 'smaller than PeerJS');
});

test('the bundle defines all three elements and carries no eval', () => {
  const code = readFileSync('dist/rtc-elements.js', 'utf8');
  for (const tag of ['rtc-call', 'rtc-data-channel', 'rtc-video']) assert.ok(code.includes(`"${tag}"`), tag);
  assert.ok(!/\beval\(|new Function\(/.test(code), 'no eval or new Function (strict CSP)');
});

/** Declaration text without `@internal` declarations (up to their `;` at depth 0) and comments. */
function publicText(text) {
  let out = '';
  for (let at = 0; at < text.length;) {
    const internal = text.indexOf('@internal', at);
    if (internal < 0) { out += text.slice(at); break; }
    const start = text.lastIndexOf('/**', internal);
    out += text.slice(at, start);
    let depth = 0;
    let end = text.indexOf('*/', internal) + 2;
    for (; end < text.length && !(depth === 0 && text[end] === ';'); end++) {
      if ('({['.includes(text[end])) depth++;
      else if (')}]'.includes(text[end])) depth--;
    }
    at = end + 1;
  }
  return out.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
}

/** Every name the type declarations give a non-private member or option (`name:`, `name?:`, `name(`). */
function publicNames(dir) {
  const names = new Set();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    for (const line of publicText(readFileSync(join(entry.parentPath ?? entry.path, entry.name), 'utf8')).split('\n')) {
      if (/\b(private|protected)\b/.test(line)) continue;
      // A member starts a line or follows `{` or `;` (parameters follow `(` or `,`).
      for (const [, name] of line.matchAll(/(?:^|[{;])\s*(?:readonly\s+|get\s+|set\s+|static\s+)*([A-Za-z_$][\w$]*)\??\s*[:(]/g)) names.add(name);
    }
  }
  return names;
}

test('the bundle renames no public member or option (a renamed option would be ignored in it)', () => {
  const declared = new Set([...publicNames('dist/src'), ...publicNames('dist/components')]);
  const renamed = PRIVATE_NAMES.filter((name) => declared.has(name));
  assert.deepEqual(renamed, [], `public names in scripts/private-names.mjs: ${renamed.join(', ')}`);
});
