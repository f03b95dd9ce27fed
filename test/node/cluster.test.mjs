// Two signaling server processes sharing rooms over Redis (redis-server from Debian, started
// here on 127.0.0.1): clients of one room split across them, every relay arrives once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { connect, sleep } from './server-helpers.mjs';

const redisPort = 16379 + Math.floor(Math.random() * 1000);
const children = [];
let urls = [];

function waitForLine(child, pattern, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const on = (data) => { const m = pattern.exec(String(data)); if (m) { clearTimeout(timer); resolve(m); } };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

before(async () => {
  execFileSync('redis-server', ['--version']);
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  await waitForLine(redis, /Ready to accept connections/);
  for (let i = 0; i < 2; i++) {
    const server = spawn(process.execPath, ['dist/server/bin.js', '--port', '0', '--max-room-size', '4', '--redis', `redis://127.0.0.1:${redisPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    urls.push((await waitForLine(server, /signaling on (ws:\/\/\S+?)[,\s]/))[1]);
  }
});

after(() => { for (const child of children.reverse()) child.kill(); });

test('clients of one room on two servers see each other, and every relay arrives exactly once', { timeout: 30000 }, async () => {
  const a = await connect(urls[0], { room: 'r' });
  const b = await connect(urls[0], { room: 'r' });
  const c = await connect(urls[1], { room: 'r' });
  assert.deepEqual(new Set(c.welcome.peers), new Set([a.id, b.id]), 'the second server knows the first one’s members');
  assert.equal((await a.next((m) => m.type === 'peer-joined' && m.id === c.id)).id, c.id);
  const d = await connect(urls[1], { room: 'r' });
  for (const x of [a, b, c]) await x.next((m) => m.type === 'peer-joined' && m.id === d.id);

  a.send({ type: 'hello' }); // to the room
  c.send({ type: 'hello', to: b.id }); // across servers, to one peer
  d.send({ type: 'hello', to: d.id === c.id ? a.id : c.id }); // same server, to one peer
  await sleep(300);
  const hellos = (x) => x.inbox.filter((m) => m.type === 'hello');
  assert.deepEqual(hellos(b).map((m) => m.from).sort(), [a.id, c.id].sort());
  assert.deepEqual(hellos(c).map((m) => m.from).sort(), [a.id, d.id].sort());
  assert.deepEqual(hellos(d).map((m) => m.from), [a.id]);
  assert.deepEqual(hellos(a).map((m) => m.from), []);

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
  await sleep(100);
  assert.equal(outsider.inbox.length, 0);
  for (const x of [a, b, c, d, outsider]) x.close();
});
