// What the quick bench in npm test fails on: a join of ours that shows nothing always, PeerJS's only when it misses
// most of its cases (one miss of its own is reported, not failed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickCheck } from '../../bench/quick-check.mjs';

/** A browser's join times: every case at two delays, `missed(case, delay, contender)` rounds null. */
function joinTimes(missed) {
  const times = {};
  for (const kase of ['both', 'joiner', 'waiter', 'data']) {
    times[kase] = {};
    for (const delay of [0, 50])
      times[kase][delay] = Object.fromEntries(
        ['raw', 'element', 'peerjs'].map((c) => [c, [missed(kase, delay, c) ? null : 400]]),
      );
  }
  return { chromium: { times } };
}

test('every join finished: no failure, no note', () => {
  const { failures, notes } = quickCheck({ results: {}, join: joinTimes(() => false) });
  assert.deepEqual([failures, notes], [[], []]);
});

test('a PeerJS join that showed nothing is a note, not a failure', () => {
  const { failures, notes } = quickCheck({
    results: {},
    join: joinTimes((kase, delay, c) => c === 'peerjs' && kase === 'data' && delay === 0),
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(notes, ['chromium join data +0 ms: peerjs showed nothing']);
});

test('PeerJS showing nothing in most cases fails: the harness broke it', () => {
  const { failures } = quickCheck({
    results: {},
    join: joinTimes((kase, delay, c) => (c === 'peerjs' && delay === 0) || (c === 'peerjs' && kase === 'data')),
  });
  assert.deepEqual(failures, ['chromium join: PeerJS showed nothing in 5 of 8 cases']);
});

test('one join of ours that showed nothing fails', () => {
  const { failures } = quickCheck({
    results: {},
    join: joinTimes((kase, delay, c) => c === 'element' && kase === 'waiter' && delay === 50),
  });
  assert.deepEqual(failures, ['chromium join waiter +50 ms: element showed nothing']);
});
