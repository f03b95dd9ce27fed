// Issue 19, the cluster: servers sharing rooms over a redis-server started here (127.0.0.1, free
// ports), killed and restarted. Each test failed on 727521b.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, sleep, exits, stopAll, startRedis, startServerProcess } from './server-helpers.mjs';
import { ARRIVE_MS, LOCAL_MS, PROCESS_TEST_MS, QUIET_MS, REPLY_MS, SETTLE_MS } from '../support/waits.mjs';

const children = [];
afterEach(() => stopAll(children));

/** The liveness bound for these tests (the default is 30 s). */
const INSTANCE_TIMEOUT_MS = 3000;

/** Opens `count` sockets on `urls` (round robin), then sends every join in the same tick: who got in? */
async function concurrentJoins(urls, room, count) {
  const sockets = await Promise.all(Array.from({ length: count }, (_, i) => connect(urls[i % urls.length])));
  for (const s of sockets) s.send({ type: 'join', room });
  const outcomes = await Promise.all(
    sockets.map((s) => s.next((m) => m.type === 'welcome' || (m.type === 'error' && m.code === 'room-full'), REPLY_MS)),
  );
  return { sockets, outcomes, admitted: outcomes.filter((m) => m.type === 'welcome').length };
}

test(
  'item 8: a dead instance’s peers are announced gone within instanceTimeoutMs, their places freed, and they can resume',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { url: redisUrl } = await startRedis(children);
    const options = { redisUrl, maxRoomSize: 3, instanceTimeoutMs: INSTANCE_TIMEOUT_MS };
    const one = await startServerProcess(children, options);
    const two = await startServerProcess(children, options);
    const a = await connect(one.url, { room: 'r' });
    const b = await connect(one.url, { room: 'r' });
    const c = await connect(two.url, { room: 'r' });
    assert.deepEqual(new Set(c.welcome.peers), new Set([a.id, b.id]));

    one.child.kill('SIGKILL');
    const killedAt = Date.now();
    assert.ok(await exits(one.child, LOCAL_MS));
    const leftA = await c.next((m) => m.type === 'peer-left' && m.id === a.id, 2 * INSTANCE_TIMEOUT_MS);
    const leftB = await c.next((m) => m.type === 'peer-left' && m.id === b.id, 2 * INSTANCE_TIMEOUT_MS);
    const elapsed = Date.now() - killedAt;
    console.log(
      `peer-left for the dead instance's 2 peers after ${elapsed} ms (instanceTimeoutMs ${INSTANCE_TIMEOUT_MS})`,
    );
    assert.equal(leftA.reason, 'timeout');
    assert.equal(leftB.reason, 'timeout');
    assert.ok(elapsed <= INSTANCE_TIMEOUT_MS, `announced after ${elapsed} ms`);

    c.send({ type: 'hello', to: a.id });
    assert.equal((await c.next('error')).code, 'unknown-peer', 'a relay to a dead peer is refused, not lost');
    const d = await connect(two.url, { room: 'r' });
    assert.deepEqual(d.welcome.peers, [c.id], 'a new joiner gets a freed place and sees no ghost');

    const again = await startServerProcess(children, options);
    const back = await connect(again.url, { room: 'r', id: a.id, resumeToken: a.welcome.resumeToken });
    assert.equal(back.id, a.id, 'the same peer rejoins with its id on the restarted instance');
    assert.equal(back.welcome.resumed, undefined, 'its place was freed: a new one');
    assert.deepEqual(new Set(back.welcome.peers), new Set([c.id, d.id]));
    assert.equal((await c.next((m) => m.type === 'peer-joined' && m.id === a.id)).id, a.id);
    for (const x of [a, b, c, d, back]) x.ws.terminate();
  },
);

test(
  'item 9: admission is atomic: concurrent joins never overfill a room, on one instance or two',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { url: redisUrl } = await startRedis(children);
    const one = await startServerProcess(children, { redisUrl, maxRoomSize: 2 });
    const two = await startServerProcess(children, { redisUrl, maxRoomSize: 2 });
    const single = await concurrentJoins([one.url], 'six', 6);
    const split = await concurrentJoins([one.url, two.url], 'eight', 8);
    console.log(
      `admitted with a limit of 2: ${single.admitted} of 6 concurrent joins on one instance, ${split.admitted} of 8 over two`,
    );
    assert.equal(single.admitted, 2);
    assert.equal(split.admitted, 2);
    for (const s of [...single.sockets, ...split.sockets]) s.ws.terminate();
  },
);

test(
  'item 9: two concurrent joins to a new room on one instance both receive, and both leave without a trace',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { url: redisUrl } = await startRedis(children);
    const one = await startServerProcess(children, { redisUrl });
    for (let round = 0; round < 5; round++) {
      const room = `new-${round}`;
      const {
        sockets: [p, q],
        outcomes: [pw, qw],
      } = await concurrentJoins([one.url], room, 2);
      p.send({ type: 'hello' });
      q.send({ type: 'hello' });
      assert.equal((await q.next('hello')).from, pw.id, `round ${round}: the second hears the first`);
      assert.equal((await p.next('hello')).from, qw.id, `round ${round}: the first hears the second`);
      p.send({ type: 'leave' });
      q.send({ type: 'leave' });
      await sleep(SETTLE_MS);
      const later = await connect(one.url, { room });
      assert.deepEqual(later.welcome.peers, [], `round ${round}: nobody is left behind in Redis`);
      for (const s of [p, q, later]) s.ws.terminate();
    }
  },
);

test(
  'item 10: after Redis restarts empty, every instance re-registers its peers and announces the leaves it saw meanwhile',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const first = await startRedis(children);
    const options = { redisUrl: first.url, maxRoomSize: 3, instanceTimeoutMs: INSTANCE_TIMEOUT_MS };
    const one = await startServerProcess(children, options);
    const two = await startServerProcess(children, options);
    const a = await connect(one.url, { room: 'r' });
    const b = await connect(two.url, { room: 'r' });
    const c = await connect(one.url, { room: 'r' });
    await b.next((m) => m.type === 'peer-joined' && m.id === c.id);

    first.redis.kill('SIGKILL');
    assert.ok(await exits(first.redis, LOCAL_MS));
    c.send({ type: 'leave' }); // during the outage
    await a.next((m) => m.type === 'peer-left' && m.id === c.id);
    await sleep(QUIET_MS);
    const restartedAt = Date.now();
    await startRedis(children, first.port); // empty: no persistence

    const left = await b.next((m) => m.type === 'peer-left' && m.id === c.id, ARRIVE_MS);
    assert.equal(left.reason, 'left', 'the leave during the outage reaches the other instance');
    // Both instances re-register on reconnecting; one liveness tick (instanceTimeoutMs / 4) covers a slow one.
    await sleep(INSTANCE_TIMEOUT_MS / 4 + 250);
    console.log(
      `after the Redis restart: the outage's leave announced after ${Date.now() - restartedAt} ms (incl. the wait)`,
    );

    b.send({ type: 'hello', to: a.id });
    assert.equal((await a.next('hello')).from, b.id, 'a directed relay across instances arrives');
    const d = await connect(two.url, { room: 'r' });
    assert.deepEqual(new Set(d.welcome.peers), new Set([a.id, b.id]), 'a new joiner sees the re-registered peers');
    const e = await connect(one.url);
    e.send({ type: 'join', room: 'r' });
    assert.equal((await e.next('error')).code, 'room-full', 'the room limit holds again');
    await sleep(QUIET_MS);
    assert.deepEqual(
      b.inbox.filter((m) => m.type === 'peer-left' || (m.type === 'peer-joined' && m.id === a.id)),
      [],
      'no false leave or join for a',
    );
    for (const x of [a, b, c, d, e]) x.ws.terminate();
  },
);
