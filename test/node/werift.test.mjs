// The engine is not tied to a browser: here it runs in Node over werift's RTCPeerConnection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { WebRtcClient } from '../../dist/src/index.js';
import { PROCESS_TEST_MS } from '../support/waits.mjs';

test('the engine negotiates and moves text and bytes over werift', { timeout: PROCESS_TEST_MS }, async () => {
  const client = new WebRtcClient({ RTCPeerConnection });
  try {
    const a = client.createPeerConnection();
    const b = client.createPeerConnection();
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      from.addEventListener('icecandidate', (event) => {
        const { candidate } = event.detail;
        if (candidate) to.addIceCandidate(candidate).catch(() => {});
      });
    }
    const local = a.createDataChannel('werift');
    const remoteArrives = new Promise((resolve) =>
      b.addEventListener('datachannel', (e) => resolve(e.detail.channel), { once: true }),
    );
    const offer = await a.createOffer();
    assert.equal(offer.type, 'offer');
    await a.setLocalDescription(offer);
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    const remote = await remoteArrives;
    await local.whenOpen();
    await local.send('hello from node');
    await local.send(new Uint8Array([1, 2, 3, 250]));
    assert.equal(await remote.receiveText(), 'hello from node');
    assert.deepEqual([...(await remote.receiveBinary())], [1, 2, 3, 250]);
    await remote.send('and back');
    assert.equal(await local.receive(), 'and back');
    assert.equal(client.openConnections.length, 2);
  } finally {
    client.close();
  }
  assert.equal(client.openConnections.length, 0);
});

test(
  'in Node, removeTrack takes a track (no MediaStreamTrack global needed) and candidates carry the candidate: prefix',
  { timeout: PROCESS_TEST_MS },
  async () => {
    assert.equal(typeof globalThis.MediaStreamTrack, 'undefined');
    const client = new WebRtcClient({ RTCPeerConnection });
    try {
      const connection = client.createPeerConnection();
      const track = new MediaStreamTrack({ kind: 'video' });
      connection.addTrack(track);
      assert.equal(connection.native.getSenders().filter((s) => s.track === track).length, 1);
      connection.removeTrack(track);
      assert.equal(connection.native.getSenders().filter((s) => s.track === track).length, 0);
      const sender = connection.addTrack(new MediaStreamTrack({ kind: 'audio' }));
      connection.removeTrack(sender);
      connection.createDataChannel('x');
      await connection.setLocalDescription(await connection.createOffer());
      const iterator = connection.iceCandidates[Symbol.asyncIterator]();
      const { value } = await iterator.next();
      assert.match(value.candidate, /^candidate:\S+ \d+ \S+ \d+ \S+ \d+ typ \S+/);
    } finally {
      client.close();
    }
  },
);
