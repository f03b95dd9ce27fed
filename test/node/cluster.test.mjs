// Two signaling server processes sharing rooms over Redis (redis-server from Debian, started
// here on 127.0.0.1): clients of one room split across them, every relay arrives once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { connect, exits, sleep } from './server-helpers.mjs';
import { ARRIVE_MS, LOCAL_MS, PROCESS_TEST_MS, QUIET_MS, REPLY_MS, SETTLE_MS, orAfter } from '../support/waits.mjs';

const redisPort = 16379 + Math.floor(Math.random() * 1000);
const children = [];
let urls = [];

function waitForLine(child, pattern, timeoutMs = ARRIVE_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const on = (data) => {
      const m = pattern.exec(String(data));
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

async function startRedis(port) {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(redis);
  await waitForLine(redis, /Ready to accept connections/);
  return redis;
}

async function startServer(port, ...args) {
  const server = spawn(
    process.execPath,
    ['dist/server/bin.js', '--port', '0', ...args, '--redis', `redis://127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(server);
  const url = (await waitForLine(server, /signaling on (ws:\/\/\S+?)[,\s]/))[1];
  return { server, url };
}

before(async () => {
  execFileSync('redis-server', ['--version']);
  await startRedis(redisPort);
  for (let i = 0; i < 2; i++) urls.push((await startServer(redisPort, '--max-room-size', '4')).url);
});

// Servers first (they tidy up in Redis), then Redis; whatever is still running after 5 s is killed.
after(async () => {
  for (const child of children.reverse()) {
    child.kill();
    if (!(await exits(child, LOCAL_MS))) child.kill('SIGKILL');
  }
});

test(
  'clients of one room on two servers see each other, and every relay arrives exactly once',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const a = await connect(urls[0], { room: 'r' });
    const b = await connect(urls[0], { room: 'r' });
    const c = await connect(urls[1], { room: 'r' });
    assert.deepEqual(
      new Set(c.welcome.peers),
      new Set([a.id, b.id]),
      'the second server knows the first one’s members',
    );
    assert.equal((await a.next((m) => m.type === 'peer-joined' && m.id === c.id)).id, c.id);
    const d = await connect(urls[1], { room: 'r' });
    for (const x of [a, b, c]) await x.next((m) => m.type === 'peer-joined' && m.id === d.id);

    a.send({ type: 'hello' }); // to the room
    c.send({ type: 'hello', to: b.id }); // across servers, to one peer
    d.send({ type: 'hello', to: d.id === c.id ? a.id : c.id }); // same server, to one peer
    await sleep(QUIET_MS);
    const hellos = (x) => x.inbox.filter((m) => m.type === 'hello');
    assert.deepEqual(
      hellos(b)
        .map((m) => m.from)
        .sort(),
      [a.id, c.id].sort(),
    );
    assert.deepEqual(
      hellos(c)
        .map((m) => m.from)
        .sort(),
      [a.id, d.id].sort(),
    );
    assert.deepEqual(
      hellos(d).map((m) => m.from),
      [a.id],
    );
    assert.deepEqual(
      hellos(a).map((m) => m.from),
      [],
    );

    // The room limit holds across the cluster.
    const e = await connect(urls[0]);
    e.send({ type: 'join', room: 'r' });
    assert.equal((await e.next('error')).code, 'room-full');

    // A leave on one server reaches the other.
    c.send({ type: 'leave' });
    const left = await a.next((m) => m.type === 'peer-left' && m.id === c.id);
    assert.equal(left.reason, 'left');
    // Rooms stay apart across servers too.
    const outsider = await connect(urls[1], { room: 'elsewhere' });
    a.send({ type: 'hello', to: outsider.id });
    assert.equal((await a.next('error')).code, 'unknown-peer');
    await sleep(SETTLE_MS);
    assert.equal(outsider.inbox.length, 0);
    for (const x of [a, b, c, d, outsider]) x.close();
  },
);

test(
  'with Redis gone, a relay that must cross servers is refused with cluster-unavailable; one within a server still arrives',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const port = redisPort + 2000;
    const redis = await startRedis(port);
    const one = await startServer(port);
    const two = await startServer(port);
    const a = await connect(one.url, { room: 'split' });
    const b = await connect(two.url, { room: 'split' });
    const c = await connect(one.url, { room: 'here' });
    const d = await connect(one.url, { room: 'here' });
    await a.next((m) => m.type === 'peer-joined' && m.id === b.id);
    redis.kill('SIGKILL');
    assert.ok(await exits(redis, LOCAL_MS), 'redis stopped');
    a.send({ type: 'hello' }); // to the room: b is on the other server
    const broadcast = await a.next('error');
    assert.equal(broadcast.code, 'cluster-unavailable');
    assert.match(broadcast.message, /hello message could not reach the peers on other servers/);
    a.send({ type: 'bye', to: b.id }); // to b alone
    assert.equal((await a.next('error')).code, 'cluster-unavailable');
    // A room whose peers are all on this server needs no Redis: no error, the message arrives.
    c.send({ type: 'hello' });
    assert.equal((await d.next((m) => m.type === 'hello')).from, c.id);
    await sleep(QUIET_MS);
    assert.deepEqual(
      c.inbox.filter((m) => m.type === 'error'),
      [],
    );
    assert.deepEqual(
      b.inbox.filter((m) => m.type === 'hello' || m.type === 'bye'),
      [],
    );
    for (const x of [a, b, c, d]) x.close();
    for (const { server } of [one, two]) server.kill('SIGKILL');
  },
);

test(
  'with Redis gone, a join is refused at once and the server still stops within seconds',
  { timeout: PROCESS_TEST_MS },
  async () => {
    const port = redisPort + 1000;
    const redis = await startRedis(port);
    const { server, url } = await startServer(port);
    const member = await connect(url, { room: 'r' }); // a claim the server tries to remove when it stops
    redis.kill('SIGKILL');
    assert.ok(await exits(redis, LOCAL_MS), 'redis stopped');
    const joiner = await connect(url);
    joiner.send({ type: 'join', room: 'r' });
    const refused = await orAfter(joiner.closed, REPLY_MS);
    assert.equal(refused?.code, 1001, 'the join is refused with 1001 while Redis is away');
    const stopping = Date.now();
    server.kill('SIGTERM');
    assert.ok(await exits(server, ARRIVE_MS), 'the server exits although Redis is gone');
    assert.ok(Date.now() - stopping < 5000, `stopped in ${Date.now() - stopping} ms`);
    member.close();
  },
);
