// JanusSignaler against a real Janus (server/janus/, on 127.0.0.1), from Node: joining, seeing
// who comes and goes, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { JanusSignaler, SignalingError } from '../../dist/src/index.js';
import { startJanus } from '../support/janus.mjs';

let janus;
before(async () => {
  janus = await startJanus();
});
after(async () => {
  await janus?.stop();
});

const signaler = (room, display) => new JanusSignaler(janus.url, { room, display, WebSocket });

test('two signalers in one room both join, with ids of their own; no feeds before anyone publishes', async () => {
  const room = `node-${Math.random().toString(36).slice(2)}`;
  const a = signaler(room, 'Ann');
  const b = signaler(room, 'Bob');
  try {
    await Promise.all([a.whenJoined(), b.whenJoined()]);
    assert.ok(a.feedId && b.feedId && a.feedId !== b.feedId);
    // Joined but not publishing: no feed yet (VideoRoom lists publishers only).
    assert.equal(a.feeds.size, 0);
  } finally {
    a.close();
    b.close();
  }
});

test('a bad URL or room is a SignalingError at once', () => {
  assert.throws(() => new JanusSignaler('http://127.0.0.1:1', { room: 'x', WebSocket }), SignalingError);
  assert.throws(() => new JanusSignaler(janus.url, { room: '', WebSocket }), SignalingError);
});

test('a Janus that is not there: whenJoined() rejects with reason unreachable, and sends are quiet', async () => {
  const s = new JanusSignaler('ws://127.0.0.1:9', { room: 'x', WebSocket });
  await assert.rejects(s.whenJoined(), (error) => error instanceof SignalingError && error.reason === 'unreachable');
  await s.send({ type: 'candidate', candidate: null, to: 'sfu-publisher' });
  s.close();
});

test('after close() a send rejects with ClientClosedError', async () => {
  const s = signaler(`node-${Math.random().toString(36).slice(2)}`);
  await s.whenJoined();
  s.close();
  await assert.rejects(s.send({ type: 'bye' }), (error) => error.code === 'client-closed');
});
