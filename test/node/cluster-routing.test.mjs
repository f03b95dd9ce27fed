// Issue 22, the cluster: a relay to a peer on another server is routed by the membership each
// server follows (join, leave and relay events, the reconcile pass) instead of asking Redis first.
// Two kinds of test: real servers over a redis-server started here, and `Rooms` over a registry
// this file drives, for the orderings that real servers produce only by chance.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect, exits, stopAll, startRedis, startServerProcess } from './server-helpers.mjs';
import { LOCAL_MS, PROCESS_TEST_MS, QUIET_MS, sleep } from '../support/waits.mjs';
import { Rooms } from '../../dist/server/rooms.js';

const children = [];
afterEach(() => stopAll(children));

const INSTANCE_TIMEOUT_MS = 3000;

/** Two servers over one redis-server, and a peer in room `r` on each (a on the first, b on the second). */
async function twoServersTwoPeers() {
  const { url: redisUrl } = await startRedis(children);
  const one = await startServerProcess(children, { redisUrl });
  const two = await startServerProcess(children, { redisUrl });
  return { one, two, a: await connect(one.url, { room: 'r' }), b: await connect(two.url, { room: 'r' }) };
}
// Below the rate limit's bucket (200 messages, the join included), so that none is refused.
const BURST = 150;

test(
  'a burst of relays between servers arrives complete and in order, both ways, right after the join',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { a, b } = await twoServersTwoPeers();
    for (let n = 0; n < BURST; n++) b.send({ type: 'hello', to: a.id, n });
    await a.next((m) => m.type === 'hello' && m.n === BURST - 1);
    for (let n = 0; n < BURST; n++) a.send({ type: 'hello', to: b.id, n });
    await b.next((m) => m.type === 'hello' && m.n === BURST - 1);
    await sleep(QUIET_MS);
    const order = Array.from({ length: BURST - 1 }, (_, n) => n);
    assert.deepEqual(
      a.inbox.filter((m) => m.type === 'hello').map((m) => m.n),
      order,
    );
    assert.deepEqual(
      b.inbox.filter((m) => m.type === 'hello').map((m) => m.n),
      order,
    );
    assert.deepEqual(
      [...a.inbox, ...b.inbox].filter((m) => m.type === 'error'),
      [],
    );
    for (const x of [a, b]) x.close();
  },
);

test(
  'a relay reaches a peer that moved to the other server, from the server it left',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { one, two, a, b } = await twoServersTwoPeers();
    const c = await connect(two.url, { room: 'r' });
    // b resumes its id on the first server; its old socket is replaced there.
    const moved = await connect(one.url, { room: 'r', id: b.id, resumeToken: b.welcome.resumeToken });
    assert.equal(moved.id, b.id);
    assert.equal(moved.welcome.resumed, true, 'its place in the room was kept');
    assert.equal((await b.closed).code, 4011);
    c.send({ type: 'hello', to: b.id });
    assert.equal((await moved.next('hello')).from, c.id);
    await sleep(QUIET_MS);
    assert.deepEqual(
      c.inbox.filter((m) => m.type === 'error'),
      [],
    );
    for (const x of [a, c, moved]) x.close();
  },
);

test(
  'after a dead server’s peer is announced gone and resumes on another server, relays reach it there',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const { url: redisUrl } = await startRedis(children);
    const options = { redisUrl, instanceTimeoutMs: INSTANCE_TIMEOUT_MS };
    const one = await startServerProcess(children, options);
    const two = await startServerProcess(children, options);
    const a = await connect(one.url, { room: 'r' });
    const c = await connect(two.url, { room: 'r' });
    one.child.kill('SIGKILL');
    assert.ok(await exits(one.child, LOCAL_MS));
    await c.next((m) => m.type === 'peer-left' && m.id === a.id, 2 * INSTANCE_TIMEOUT_MS);
    c.send({ type: 'hello', to: a.id });
    assert.equal((await c.next('error')).code, 'unknown-peer', 'the ghost is gone from the routing view');
    const three = await startServerProcess(children, options);
    const back = await connect(three.url, { room: 'r', id: a.id, resumeToken: a.welcome.resumeToken });
    await c.next((m) => m.type === 'peer-joined' && m.id === a.id);
    c.send({ type: 'hello', to: a.id });
    assert.equal((await back.next('hello')).from, c.id);
    for (const x of [a, c, back]) x.ws.terminate();
  },
);

/** A connection as `Rooms` uses it, recording what it is sent. */
function fakeConnection() {
  return {
    id: undefined,
    room: undefined,
    joining: false,
    open: true,
    sent: [],
    send(message) {
      this.sent.push(message);
    },
    sendText(text) {
      this.sent.push(JSON.parse(text));
    },
    joined() {},
    armJoinTimer() {},
    close() {
      this.open = false;
    },
    release() {},
  };
}

/** A shared registry whose answers the test releases: admissions and `has` wait until told. */
function scriptedRegistry() {
  const registry = {
    shared: true,
    published: [],
    asked: [],
    admissions: [],
    lookups: [],
    admit(room, id) {
      return new Promise((resolve) => registry.admissions.push({ room, id, resolve }));
    },
    release() {},
    has(room, id) {
      registry.asked.push(id);
      return new Promise((resolve) => registry.lookups.push(resolve));
    },
    async publish(room, event) {
      registry.published.push(event);
    },
    async close() {},
  };
  return registry;
}

/** `Rooms` over a scripted registry. */
function scriptedRooms() {
  const registry = scriptedRegistry();
  const rooms = new Rooms({ maxRoomSize: 16, leaveGraceMs: 0 });
  rooms.registry = registry;
  return { registry, rooms };
}

/** A join whose admission is asked for and not yet answered. */
async function startJoin(rooms, room) {
  const connection = fakeConnection();
  const joining = rooms.join(connection, room, undefined, undefined, undefined);
  await Promise.resolve();
  return { connection, joining };
}

async function joined(rooms, registry, room, peers) {
  const { connection, joining } = await startJoin(rooms, room);
  registry.admissions.shift().resolve({ ok: true, peers });
  await joining;
  return connection;
}

test('a peer joining hears of a remote peer whose join notice came before its own admission was answered', async () => {
  const { registry, rooms } = scriptedRooms();
  const { connection: a, joining } = await startJoin(rooms, 'r');
  // Redis admitted a, then x on another server, whose notice and first relay arrive before a's answer.
  rooms.onEvent('r', { kind: 'joined', id: 'x' });
  registry.admissions.shift().resolve({ ok: true, peers: [] });
  await joining;
  rooms.onEvent('r', { kind: 'relay', from: 'x', to: a.id, message: { type: 'hello', from: 'x', to: a.id } });
  assert.deepEqual(
    a.sent.map((m) => m.type),
    ['welcome', 'peer-joined', 'hello'],
  );
  assert.equal(a.sent[1].id, 'x');
});

test('a relay that came before the admission was answered is delivered after the welcome', async () => {
  const { registry, rooms } = scriptedRooms();
  const { connection: a, joining } = await startJoin(rooms, 'r');
  const { id } = registry.admissions[0];
  rooms.onEvent('r', { kind: 'relay', from: 'x', to: id, message: { type: 'hello', from: 'x', to: id } });
  registry.admissions.shift().resolve({ ok: true, peers: ['x'] });
  await joining;
  assert.deepEqual(
    a.sent.map((m) => m.type),
    ['welcome', 'hello'],
  );
});

test('a relay to a peer known to be on another server is published without asking Redis', async () => {
  const { registry, rooms } = scriptedRooms();
  const a = await joined(rooms, registry, 'r', ['x']);
  rooms.relay(a, { type: 'hello', to: 'x' });
  await Promise.resolve();
  assert.deepEqual(registry.asked, []);
  assert.deepEqual(
    registry.published.filter((e) => e.kind === 'relay').map((e) => e.to),
    ['x'],
  );
});

test('relays behind one that waits on Redis keep their order', async () => {
  const { registry, rooms } = scriptedRooms();
  const a = await joined(rooms, registry, 'r', ['x']);
  rooms.relay(a, { type: 'hello', to: 'y', n: 1 }); // y: not known here yet
  rooms.onEvent('r', { kind: 'joined', id: 'y' });
  rooms.relay(a, { type: 'hello', to: 'y', n: 2 });
  rooms.relay(a, { type: 'hello', to: 'x', n: 3 });
  rooms.relay(a, { type: 'hello', n: 4 });
  await sleep(0);
  assert.equal(registry.published.filter((e) => e.kind === 'relay').length, 0, 'all wait behind the first');
  registry.lookups.shift()(true);
  await sleep(0);
  assert.deepEqual(
    registry.published.filter((e) => e.kind === 'relay').map((e) => e.message.n),
    [1, 2, 3, 4],
  );
});
