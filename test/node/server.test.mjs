// The reference signaling server, over real sockets on 127.0.0.1.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSignalingServer } from '../../dist/server/index.js';
import { connect, sleep } from './server-helpers.mjs';
import WebSocket from 'ws';
import { ARRIVE_MS, LOCAL_MS, REPLY_MS, SETTLE_MS, TICK_MS, waitFor, within } from '../support/waits.mjs';

/** The grace period of the shared server: a peer that drops is announced gone after it. */
const GRACE_MS = 300;

const offer = { type: 'description', description: { type: 'offer', sdp: 'v=0\r\n' } };

describe('signaling server', () => {
  let server;
  before(async () => {
    server = await startSignalingServer({ port: 0, leaveGraceMs: GRACE_MS });
  });
  after(() => server.close());

  test('binds to 127.0.0.1 by default', () => {
    assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  test('join gives an id and the peers; others hear of joins and leaves', async () => {
    const a = await connect(server.url, { room: 'r1' });
    assert.deepEqual(a.welcome.peers, []);
    const b = await connect(server.url, { room: 'r1' });
    assert.deepEqual(b.welcome.peers, [a.id]);
    assert.equal((await a.next('peer-joined')).id, b.id);
    b.send({ type: 'leave' });
    assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', id: b.id, reason: 'left' });
    a.close();
    b.close();
  });

  test('the welcome says the protocol version; a join with or without one is accepted, a malformed one refused', async () => {
    const old = await connect(server.url, { room: 'version' });
    assert.equal(old.welcome.protocol, 1);
    const versioned = await connect(server.url);
    versioned.send({ type: 'join', room: 'version', protocol: 1 });
    assert.equal((await versioned.next('welcome')).protocol, 1);
    const bad = await connect(server.url);
    bad.send({ type: 'join', room: 'version', protocol: 'one' });
    assert.equal((await bad.next('error')).code, 'bad-message');
    old.close();
    versioned.close();
    bad.close();
  });

  test('relays to one peer (with from set) or to the whole room, never to another room', async () => {
    const a = await connect(server.url, { room: 'r2' });
    const b = await connect(server.url, { room: 'r2' });
    const c = await connect(server.url, { room: 'r2' });
    const outsider = await connect(server.url, { room: 'other' });
    a.send({ ...offer, to: b.id, from: 'spoofed' });
    const got = await b.next('description');
    assert.equal(got.from, a.id, 'the server sets from; a client cannot spoof it');
    assert.equal(got.to, b.id);
    a.send({ type: 'hello' });
    assert.equal((await b.next('hello')).from, a.id);
    assert.equal((await c.next('hello')).from, a.id);
    a.send({ ...offer, to: outsider.id });
    const refused = await a.next('error');
    assert.equal(refused.code, 'unknown-peer');
    assert.equal(refused.to, outsider.id, 'the refusal names the peer it was for');
    await sleep(SETTLE_MS);
    assert.equal(outsider.inbox.filter((m) => m.type !== 'error').length, 0);
    assert.equal(c.inbox.filter((m) => m.type === 'description').length, 0);
    for (const x of [a, b, c, outsider]) x.close();
  });

  test('bad input gets an error reply and the connection stays usable', async () => {
    const a = await connect(server.url, { room: 'r3' });
    const b = await connect(server.url, { room: 'r3' });
    const cases = [
      ['{not json', 'bad-json'],
      ['[1,2]', 'bad-message'],
      ['42', 'bad-message'],
      [JSON.stringify({ type: 'launch-missiles' }), 'unknown-type'],
      [JSON.stringify({ type: 'hello', to: '<script>' }), 'bad-message'],
      [JSON.stringify({ type: 'join', room: 'r3' }), 'already-joined'],
    ];
    for (const [text, code] of cases) {
      a.send(text);
      const error = await a.next('error');
      assert.equal(error.code, code, text);
      assert.equal(typeof error.message, 'string');
    }
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await a.next('error')).code, 'bad-message');
    a.send({ type: 'hello' });
    assert.equal((await b.next('hello')).from, a.id);
    a.close();
    b.close();
  });

  test('signal messages before join are refused', async () => {
    const a = await connect(server.url);
    a.send(offer);
    assert.equal((await a.next('error')).code, 'not-joined');
    a.send({ type: 'join', room: '../etc' });
    assert.equal((await a.next('error')).code, 'bad-message');
    a.close();
  });

  test('a client that vanishes is announced to its room', async () => {
    const a = await connect(server.url, { room: 'r4' });
    const b = await connect(server.url, { room: 'r4' });
    b.ws.terminate();
    const left = await a.next('peer-left');
    assert.equal(left.id, b.id);
    assert.equal(left.reason, 'closed');
    a.close();
  });

  test('a peer that drops and comes back within the grace period is never announced as gone', async () => {
    const a = await connect(server.url, { room: 'r6' });
    const b = await connect(server.url, { room: 'r6' });
    b.ws.terminate();
    await sleep(TICK_MS);
    const again = await connect(server.url, { room: 'r6', id: b.id, resumeToken: b.welcome.resumeToken });
    assert.equal(again.id, b.id);
    assert.deepEqual(again.welcome.peers, [a.id]);
    assert.equal(again.welcome.resumed, true, 'its place was kept');
    assert.equal(b.welcome.resumed, undefined, 'a first join takes a new place');
    await sleep(GRACE_MS + SETTLE_MS);
    assert.equal(a.inbox.filter((m) => m.type === 'peer-left').length, 0);
    a.send({ type: 'hello', to: b.id });
    assert.equal((await again.next('hello')).from, a.id);
    a.close();
    again.close();
  });

  test('a welcome says resumed only when the id kept its place: one who left cleanly and comes back takes a new one', async () => {
    const a = await connect(server.url, { room: 'r7' });
    const b = await connect(server.url, { room: 'r7' });
    b.close();
    await a.next('peer-left');
    const again = await connect(server.url, { room: 'r7', id: b.id, resumeToken: b.welcome.resumeToken });
    assert.equal(again.id, b.id);
    assert.equal(again.welcome.resumed, undefined);
    a.close();
    again.close();
  });

  test('a reconnecting client keeps its id with its resume token', async () => {
    const a = await connect(server.url, { room: 'r5' });
    const id = a.id;
    a.ws.terminate();
    await sleep(TICK_MS);
    const again = await connect(server.url, { room: 'r5', id, resumeToken: a.welcome.resumeToken });
    assert.equal(again.id, id);
    const other = await connect(server.url, { room: 'r5', id });
    assert.notEqual(other.id, id, 'a taken id is not handed out twice');
    again.close();
    other.close();
  });
});

describe('signaling server limits', () => {
  test('room size limit', async () => {
    const server = await startSignalingServer({ port: 0, maxRoomSize: 2 });
    try {
      const a = await connect(server.url, { room: 'x' });
      const b = await connect(server.url, { room: 'x' });
      const c = await connect(server.url);
      c.send({ type: 'join', room: 'x' });
      assert.equal((await c.next('error')).code, 'room-full');
      assert.equal((await c.closed).code, 4003);
      a.close();
      b.close();
    } finally {
      await server.close();
    }
  });

  test('message size limit closes with 1009', async () => {
    const server = await startSignalingServer({ port: 0, maxMessageBytes: 1024 });
    try {
      const a = await connect(server.url, { room: 'x' });
      a.send({ type: 'hello', padding: 'x'.repeat(2000) });
      assert.equal((await a.closed).code, 1009);
      const b = await connect(server.url, { room: 'x' });
      assert.ok(b.id, 'the server still serves');
      b.close();
    } finally {
      await server.close();
    }
  });

  test('a flood is refused with an error, then closed with 4008; other clients go on', async () => {
    const server = await startSignalingServer({
      port: 0,
      rateLimit: { perSecond: 10, burst: 20 },
      floodCloseAfter: 100,
    });
    try {
      const flooder = await connect(server.url, { room: 'x' });
      const victim = await connect(server.url, { room: 'x' });
      const calm = await connect(server.url, { room: 'y' });
      for (let i = 0; i < 500; i++) flooder.send({ type: 'hello' });
      assert.equal((await flooder.next('error')).code, 'rate-limited');
      assert.equal((await flooder.closed).code, 4008);
      await sleep(TICK_MS);
      const relayed = victim.inbox.filter((m) => m.type === 'hello').length;
      assert.ok(relayed <= 21, `at most the burst was relayed (${relayed})`);
      const other = await connect(server.url, { room: 'y' });
      other.send({ type: 'hello' });
      assert.equal((await calm.next('hello')).from, other.id);
      victim.close();
      calm.close();
      other.close();
    } finally {
      await server.close();
    }
  });

  test('heartbeat drops a socket that stops answering pings', async () => {
    const server = await startSignalingServer({ port: 0, heartbeatMs: 100 });
    try {
      const a = await connect(server.url, { room: 'x' });
      const dead = await connect(server.url, { room: 'x' });
      dead.ws._socket.pause(); // reads nothing: no pong goes back
      const left = await a.next('peer-left', REPLY_MS);
      assert.equal(left.id, dead.id);
      assert.equal(left.reason, 'timeout');
      // Its close frame cannot get out (it reads nothing): the socket is cut within a second.
      for (let i = 0; i < 30 && server.stats().clients > 1; i++) await sleep(TICK_MS);
      assert.equal(server.stats().clients, 1);
      a.close();
    } finally {
      await server.close();
    }
  });

  test("a client's ping is answered with a pong that echoes its data", async () => {
    const server = await startSignalingServer({ port: 0 });
    try {
      const a = await connect(server.url, { room: 'x' });
      const pong = new Promise((resolve) => a.ws.once('pong', resolve));
      a.ws.ping(Buffer.from('are you there'));
      assert.equal(String(await within(pong, REPLY_MS, 'no pong')), 'are you there');
      a.close();
    } finally {
      await server.close();
    }
  });

  test('a client that pings and reads nothing is cut off once 60 answers wait unsent', async () => {
    // Unsent-bytes limits far away: only the count of waiting answers can cut it off in time.
    const server = await startSignalingServer({ port: 0, maxBufferedBytes: 2 ** 30, maxUnsentBytes: 2 ** 31 });
    try {
      const a = await connect(server.url, { room: 'x' });
      a.ws._socket.pause(); // reads nothing: the answers pile up in the server's socket
      const payload = Buffer.alloc(125, 1); // the largest ping: the kernel's buffers fill sooner
      const pings = setInterval(() => {
        for (let i = 0; i < 2000 && a.ws.readyState === WebSocket.OPEN; i++) a.ws.ping(payload);
      }, TICK_MS);
      try {
        await waitFor(() => server.stats().clients === 0, ARRIVE_MS, 'the pinging client cut off');
      } finally {
        clearInterval(pings);
        a.ws.terminate();
      }
    } finally {
      await server.close();
    }
  });

  test('verify hook refuses a bad token before any relay', async () => {
    const seen = [];
    const server = await startSignalingServer({
      port: 0,
      verify: ({ token, room }) => {
        seen.push(room);
        return token === 'good';
      },
    });
    try {
      const a = await connect(server.url, { room: 'x', token: 'good' });
      const bad = await connect(server.url);
      bad.send({ type: 'join', room: 'x', token: 'bad' });
      bad.send({ type: 'hello' });
      assert.ok(await bad.next((m) => m.type === 'error' && m.code === 'unauthorized'));
      assert.ok(
        await bad.next((m) => m.type === 'error' && m.code === 'not-joined'),
        'the hello sent while joining was refused, not relayed',
      );
      assert.equal((await bad.closed).code, 4001);
      await sleep(TICK_MS);
      assert.equal(a.inbox.length, 0, 'nothing from the refused client reached the room');
      assert.deepEqual(seen, ['x', 'x']);
      a.close();
    } finally {
      await server.close();
    }
  });

  test('origin allowlist refuses other origins at the upgrade', async () => {
    const server = await startSignalingServer({ port: 0, allowedOrigins: ['http://good.example'] });
    try {
      const ok = await connect(server.url, { room: 'x', headers: { origin: 'http://good.example' } });
      ok.close();
      await assert.rejects(connect(server.url, { headers: { origin: 'http://evil.example' } }), /403/);
      await assert.rejects(connect(server.url), /403/);
    } finally {
      await server.close();
    }
  });

  test('the bin starts a server with --port and serves static files', async () => {
    const child = spawn(process.execPath, ['dist/server/bin.js', '--port', '0', '--static', 'docs'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the bin printed nothing')), LOCAL_MS);
        child.stdout.on('data', (d) => {
          clearTimeout(timer);
          resolve(String(d));
        });
      });
      const url = /signaling on (ws:\/\/\S+?),/.exec(line)[1];
      const a = await connect(url, { room: 'bin' });
      assert.ok(a.id);
      a.close();
      const page = await fetch(`${url.replace('ws', 'http')}/API.md`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /rtc-elements API/);
      assert.equal((await fetch(`${url.replace('ws', 'http')}/..%2Fpackage.json`)).status, 404);
    } finally {
      child.kill();
    }
  });

  test('options: a limit that is not a number is refused, never silently lifted; the bin says why in one line', async () => {
    await assert.rejects(startSignalingServer({ port: 0, maxRoomSize: NaN }), {
      name: 'RangeError',
      message: /maxRoomSize must be a number of at least 1, not NaN/,
    });
    await assert.rejects(
      startSignalingServer({ port: 0, rateLimit: { perSecond: 0, burst: 10 } }),
      /rateLimit\.perSecond/,
    );
    const run = (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['dist/server/bin.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        const timer = setTimeout(() => child.kill(), LOCAL_MS);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    const typo = await run(['--port', '0', '--max-room-size', 'ten']);
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr.trim(), 'rtc-elements-server: maxRoomSize must be a number of at least 1, not NaN');
    const taken = await startSignalingServer({ port: 0 });
    try {
      const busy = await run(['--port', String(taken.port)]);
      assert.equal(busy.code, 2);
      assert.match(busy.stderr.trim(), /^rtc-elements-server: listen EADDRINUSE.*$/);
    } finally {
      await taken.close();
    }
  });

  test('static files: what is not a readable file is a 404, and the server stays up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-static-'));
    mkdirSync(join(dir, 'odd', 'index.html'), { recursive: true }); // a directory where index.html should be
    writeFileSync(join(dir, 'page.html'), '<p>ok</p>');
    const child = spawn(process.execPath, ['dist/server/bin.js', '--port', '0', '--static', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the bin printed nothing')), LOCAL_MS);
        child.stdout.on('data', (d) => {
          clearTimeout(timer);
          resolve(String(d));
        });
      });
      const http = /signaling on (ws:\/\/\S+?),/.exec(line)[1].replace('ws', 'http');
      assert.equal((await fetch(`${http}/odd/`)).status, 404);
      assert.equal((await fetch(`${http}/odd/index.html`)).status, 404);
      assert.equal(await (await fetch(`${http}/page.html`)).text(), '<p>ok</p>');
      assert.equal(child.exitCode, null, 'still running');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
