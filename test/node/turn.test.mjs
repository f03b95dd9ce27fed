// TURN credentials from the reference server (coturn's use-auth-secret): what the welcome carries,
// their renewal, the options, and the --coturn flag of the CLI.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { startSignalingServer, turnCredentials } from '../../dist/server/index.js';
import { connect } from './server-helpers.mjs';
import { PROCESS_TEST_MS, SETTLE_MS, sleep } from '../support/waits.mjs';

const turn = { secret: 'shared-secret', urls: ['turn:127.0.0.1:3478'] };
const hmac = (username) => createHmac('sha1', turn.secret).update(username).digest('base64');

describe('TURN credentials', () => {
  test('the welcome carries credentials for the joining peer: expiry:id, signed with the secret, which it never shows', async () => {
    const server = await startSignalingServer({ port: 0, turn: { ...turn, ttlSeconds: 600 } });
    try {
      const before = Math.floor(Date.now() / 1000);
      const a = await connect(server.url, { room: 'r' });
      const [ice] = a.welcome.iceServers;
      assert.deepEqual(ice.urls, turn.urls);
      const [expiry, id] = ice.username.split(':');
      assert.equal(id, a.id);
      assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602, `expiry ${expiry}`);
      assert.equal(ice.credential, hmac(ice.username));
      assert.ok(!JSON.stringify(a.welcome).includes(turn.secret), 'the secret is not in the welcome');
      a.close();
    } finally {
      await server.close();
    }
  });

  test('fresh credentials arrive at half their lifetime (ice-servers)', async () => {
    const server = await startSignalingServer({ port: 0, turn: { ...turn, ttlSeconds: 2 } });
    try {
      const a = await connect(server.url, { room: 'r' });
      const first = a.welcome.iceServers[0].username;
      const fresh = await a.next('ice-servers');
      assert.notEqual(fresh.iceServers[0].username, first);
      assert.equal(fresh.iceServers[0].credential, hmac(fresh.iceServers[0].username));
      a.close();
    } finally {
      await server.close();
    }
  });

  test('without turn, the welcome has no iceServers', async () => {
    const server = await startSignalingServer({ port: 0 });
    try {
      const a = await connect(server.url, { room: 'r' });
      assert.equal(a.welcome.iceServers, undefined);
      a.close();
    } finally {
      await server.close();
    }
  });

  test('bad turn options are refused at start', async () => {
    for (const bad of [
      { ...turn, secret: '' },
      { ...turn, urls: [] },
      { ...turn, urls: ['stun:x'] },
      { ...turn, ttlSeconds: Number.NaN },
    ]) {
      await assert.rejects(startSignalingServer({ port: 0, turn: bad }), RangeError, JSON.stringify(bad));
    }
  });

  test('turnCredentials is the documented scheme', () => {
    const ice = turnCredentials({ ...turn, ttlSeconds: 60 }, 'peer-1', 1_700_000_000_000);
    assert.deepEqual(ice, { urls: turn.urls, username: '1700000060:peer-1', credential: hmac('1700000060:peer-1') });
  });

  test(
    'rtc-elements-server --coturn starts a local coturn and hands out its credentials',
    { timeout: PROCESS_TEST_MS },
    async () => {
      const child = spawn(process.execPath, ['dist/server/bin.js', '--port', '0', '--coturn'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        const deadline = Date.now() + 15000;
        while (!/signaling on (ws:\S+),.*TURN on (turn:\S+)/.test(out)) {
          assert.ok(Date.now() < deadline && child.exitCode === null, `no start line: ${out}`);
          await sleep(SETTLE_MS);
        }
        const [, url, turnUrl] = /signaling on (ws:\S+?),.*TURN on (turn:\S+)/.exec(out);
        const a = await connect(url, { room: 'r' });
        assert.deepEqual(a.welcome.iceServers[0].urls, [turnUrl]);
        a.close();
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  );

  test('rtc-elements-server --turn-url without TURN_SECRET says so and exits with 2', async () => {
    const env = { ...process.env };
    delete env.TURN_SECRET;
    const child = spawn(process.execPath, ['dist/server/bin.js', '--port', '0', '--turn-url', 'turn:127.0.0.1:3478'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 2);
    assert.match(err, /TURN_SECRET/);
  });
});
