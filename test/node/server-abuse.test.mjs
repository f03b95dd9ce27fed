// The server under abuse, on 127.0.0.1 with bounded loops: random frames, slow readers, 10,000
// join/leave cycles. It keeps serving, its memory returns to the baseline, and it never relays
// outside the sender's room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startSignalingServer } from '../../dist/server/index.js';
import { connect, sleep } from './server-helpers.mjs';
import { prng } from '../support/prng.mjs';
import { ARRIVE_MS, LONG_TEST_MS, QUIET_MS, REPLY_MS, SETTLE_MS, TEST_MS, TICK_MS } from '../support/waits.mjs';

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc');
/** Between garbage collections, so that finalizers run. */
const GC_PAUSE_MS = 20;
/** The attacker's pace in the slow-reader test: a pause every 100 messages. */
const PACE_MS = 10;
/** Every one of the 5,000 fuzz frames answered or relayed. */
const ALL_ANSWERED_MS = 20_000;
const heap = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(GC_PAUSE_MS);
  }
  return process.memoryUsage().heapUsed;
};

function fuzzFrames(random, count, ids) {
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const junk = () =>
    Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 0x2000))).join(
      '',
    );
  const value = (depth = 0) => {
    const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
    return [
      () => random() * 1e6,
      () => junk(),
      () => null,
      () => random() > 0.5,
      () => Array.from({ length: 3 }, () => value(depth + 1)),
      () => ({ [junk()]: value(depth + 1), type: pick(['hello', 'bye', 'candidate', 'description', junk()]) }),
    ][kind]();
  };
  const makers = [
    () => junk(), // not JSON (mostly)
    () => JSON.stringify(value()),
    () =>
      JSON.stringify({
        type: pick(['description', 'candidate', 'bye', 'hello']),
        to: pick([...ids.inRoom, ids.outside, junk(), 42]),
      }),
    () =>
      JSON.stringify({
        type: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 2122 127.0.0.1 5'.slice(0, Math.floor(random() * 30)) },
      }),
    () =>
      JSON.stringify({
        type: 'description',
        description: { type: 'offer', sdp: 'v=0\r\n'.repeat(Math.floor(random() * 100)) },
      }),
    () => JSON.stringify({ type: 'hello', to: ids.outside }), // another room: must never arrive
    () => JSON.stringify({ type: junk() || 'x' }),
    () => JSON.stringify({ type: 'hello' }),
  ];
  return Array.from({ length: count }, () => pick(makers)());
}

test(
  'fuzz: every random frame gets an error reply or is relayed within the room; nothing crosses rooms',
  { timeout: TEST_MS },
  async () => {
    const server = await startSignalingServer({ port: 0, rateLimit: { perSecond: 1e6, burst: 1e6 } });
    try {
      const attacker = await connect(server.url, { room: 'r' });
      const victim = await connect(server.url, { room: 'r' });
      const outsider = await connect(server.url, { room: 's' });
      const frames = fuzzFrames(prng(20261125), 5000, { inRoom: [victim.id, attacker.id], outside: outsider.id });
      for (const frame of frames) attacker.send(frame);
      // Frames addressed to the attacker itself are relayed back to it: they count too.
      const selfRelays = () => attacker.inbox.filter((m) => m.from === attacker.id).length;
      const counted = () =>
        attacker.inbox.filter((m) => m.type === 'error').length + victim.inbox.length + selfRelays();
      const start = Date.now();
      while (counted() < frames.length && Date.now() - start < ALL_ANSWERED_MS) await sleep(TICK_MS);
      await sleep(SETTLE_MS);
      assert.equal(counted(), frames.length, 'each frame was answered or relayed, exactly once');
      assert.equal(outsider.inbox.length, 0, 'nothing reached another room');
      for (const message of victim.inbox) assert.equal(message.from, attacker.id);
      const codes = new Set(attacker.inbox.filter((m) => m.type === 'error').map((m) => m.code));
      for (const code of codes)
        assert.ok(['bad-json', 'bad-message', 'unknown-type', 'unknown-peer', 'already-joined'].includes(code), code);
      const fresh = await connect(server.url, { room: 'r' });
      assert.ok(fresh.id, 'the server still serves');
      for (const c of [attacker, victim, outsider, fresh]) c.close();
    } finally {
      await server.close();
    }
  },
);

test('a slow reader is dropped with 4009 and its room goes on', { timeout: TEST_MS }, async () => {
  const server = await startSignalingServer({
    port: 0,
    maxBufferedBytes: 256 * 1024,
    rateLimit: { perSecond: 1e6, burst: 1e6 },
  });
  try {
    const fast = await connect(server.url, { room: 'r' });
    const other = await connect(server.url, { room: 'r' });
    const slow = await connect(server.url, { room: 'r' });
    slow.ws._socket.pause(); // reads nothing from now on
    const big = JSON.stringify({ type: 'hello', to: slow.id, pad: 'x'.repeat(16 * 1024) });
    for (let i = 0; i < 4000 && server.stats().clients === 3; i++) {
      fast.send(big);
      if (i % 100 === 99) await sleep(PACE_MS);
    }
    const left = await other.next((m) => m.type === 'peer-left' && m.id === slow.id, ARRIVE_MS);
    assert.equal(left.reason, 'slow reader: too much unsent data');
    fast.send({ type: 'hello', to: other.id });
    assert.equal((await other.next('hello')).from, fast.id, 'the room goes on');
    fast.close();
    other.close();
    slow.ws.terminate();
  } finally {
    await server.close();
  }
});

test('10,000 join/leave cycles: memory returns to the baseline', { timeout: LONG_TEST_MS }, async () => {
  const server = await startSignalingServer({ port: 0, rateLimit: { perSecond: 1e6, burst: 1e6 }, leaveGraceMs: 0 });
  try {
    const warm = await connect(server.url, { room: 'warm' });
    warm.close();
    await sleep(SETTLE_MS);
    const before = await heap();
    // 9,000 cycles on 30 long-lived sockets, and 1,000 sockets that connect, join and go.
    const sockets = await Promise.all(Array.from({ length: 30 }, () => connect(server.url)));
    for (let round = 0; round < 300; round++) {
      for (const [i, s] of sockets.entries()) s.send({ type: 'join', room: `room-${(round + i) % 50}` });
      await Promise.all(sockets.map((s) => s.next('welcome', REPLY_MS)));
      for (const s of sockets) s.send({ type: 'leave' });
    }
    for (let batch = 0; batch < 20; batch++) {
      const group = await Promise.all(
        Array.from({ length: 50 }, (_, i) => connect(server.url, { room: `churn-${i % 10}` })),
      );
      for (const c of group) c.close();
      await Promise.all(group.map((c) => c.closed));
    }
    for (const s of sockets) s.close();
    await Promise.all(sockets.map((s) => s.closed));
    for (const s of sockets) s.inbox.length = 0; // the clients' notices are not the server's memory
    await sleep(QUIET_MS);
    assert.equal(server.stats().clients, 0);
    assert.equal(server.stats().rooms, 0, 'no room is left behind');
    const after = await heap();
    const growth = after - before;
    console.log(`heap before ${(before / 1e6).toFixed(2)} MB, after 10,000 cycles ${(after / 1e6).toFixed(2)} MB`);
    assert.ok(growth < 2_000_000, `the heap grew by ${growth} bytes`);
  } finally {
    await server.close();
  }
});
