import { expect } from '@open-wc/testing';
import {
  DataChannelClosedError,
  DataChannelError,
  WebRtcError,
  type DataChannelEvent,
  type WebRtcDataChannel,
} from '../../src/index.js';
import { connectedChannel, makePair, negotiate, nextEvent, randomBytes, waitFor } from './helpers.js';
import { ARRIVE_MS, LONG_TEST_MS, TEST_MS } from '../support/waits.mjs';

describe('data channels', () => {
  it('sends text and every kind of binary, and the remote side receives them in order', async () => {
    const { client, local, remote } = await connectedChannel();
    const big = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    await local.send('hello');
    await local.send(new Uint8Array([1, 2, 3]).buffer);
    await local.send(new Uint8Array([4, 5]));
    await local.send(new Uint16Array([0x0201]));
    await local.send(big.subarray(2, 5)); // a view into a larger buffer: only the view travels
    await local.send(new Blob([new Uint8Array([7, 8])]));
    await local.send('bye');
    expect(await remote.receive()).to.equal('hello');
    expect([...(await remote.receiveBinary())]).to.deep.equal([1, 2, 3]);
    expect([...(await remote.receiveBinary())]).to.deep.equal([4, 5]);
    expect([...(await remote.receiveBinary())]).to.deep.equal([1, 2]);
    expect([...(await remote.receiveBinary())]).to.deep.equal([1, 2, 3]);
    expect([...(await remote.receiveBinary())]).to.deep.equal([7, 8]);
    expect(await remote.receiveText()).to.equal('bye');
    client.close();
  });

  it('copies a sent view at call time, so the caller may reuse its buffer', async () => {
    const { client, local, remote } = await connectedChannel();
    const scratch = new Uint8Array(4);
    const sends: Promise<void>[] = [];
    // Queue many sends at once so that most take the queued path.
    for (let i = 0; i < 50; i++) {
      scratch.fill(i);
      sends.push(local.send(scratch));
    }
    await Promise.all(sends);
    for (let i = 0; i < 50; i++) expect([...(await remote.receiveBinary())]).to.deep.equal([i, i, i, i]);
    client.close();
  });

  it('reports the options it was created with, on both ends', async () => {
    const { client, local, remote } = await connectedChannel('opts', {
      ordered: false,
      maxRetransmits: 2,
      protocol: 'json',
    });
    for (const channel of [local, remote]) {
      expect(channel.label).to.equal('opts');
      expect(channel.ordered).to.equal(false);
      expect(channel.maxRetransmits).to.equal(2);
      expect(channel.maxPacketLifeTime).to.equal(null);
      expect(channel.protocol).to.equal('json');
      expect(channel.negotiated).to.equal(false);
      expect(channel.state).to.equal('open');
      expect(channel.id).to.be.a('number');
    }
    expect(local.id).to.equal(remote.id);
    client.close();
  });

  it('supports maxPacketLifeTime and negotiated channels with a fixed id', async () => {
    const { client, a, b } = makePair();
    const x = a.createDataChannel('fixed', { negotiated: true, id: 7, maxPacketLifeTime: 500 });
    const y = b.createDataChannel('fixed', { negotiated: true, id: 7, maxPacketLifeTime: 500 });
    await negotiate(a, b);
    await y.send('over a negotiated channel');
    expect(await x.receive()).to.equal('over a negotiated channel');
    expect(x.id).to.equal(7);
    expect(x.maxPacketLifeTime).to.equal(500);
    expect(x.negotiated).to.equal(true);
    client.close();
  });

  it('send() on a connecting channel waits for it to open', async () => {
    const { client, a, b } = makePair();
    const local = a.createDataChannel('early');
    expect(local.state).to.equal('connecting');
    const sent = local.send('sent before open');
    const arrives = nextEvent<{ channel: import('../../src/index.js').WebRtcDataChannel }>(b, 'datachannel');
    await negotiate(a, b);
    await sent;
    const { channel } = await arrives;
    expect(await channel.receive()).to.equal('sent before open');
    client.close();
  });

  it('a typed receive that meets the other type rejects and keeps the message', async () => {
    const { client, local, remote } = await connectedChannel();
    await local.send(new Uint8Array([1]));
    await local.send('text');
    const error = await remote.receiveText().catch((e) => e);
    expect(error).to.be.instanceOf(DataChannelError);
    expect(error.reason).to.equal('unexpected-message-type');
    expect([...(await remote.receiveBinary())]).to.deep.equal([1]);
    const error2 = await remote.receiveBinary().catch((e) => e);
    expect(error2).to.be.instanceOf(WebRtcError);
    expect(await remote.receiveText()).to.equal('text');
    client.close();
  });

  it('tryReceive returns null when nothing is queued, then the message once it is', async () => {
    const { client, local, remote } = await connectedChannel();
    expect(remote.tryReceive()).to.equal(null);
    await local.send('now');
    await waitFor(() => remote.queuedMessages > 0);
    expect(remote.tryReceive()).to.equal('now');
    expect(remote.tryReceive()).to.equal(null);
    client.close();
  });

  it('async iteration yields every message and ends when the channel closes', async () => {
    const { client, local, remote } = await connectedChannel();
    for (const m of ['a', 'b', 'c']) await local.send(m);
    const received: unknown[] = [];
    const done = (async () => {
      for await (const message of remote) received.push(message);
    })();
    await waitFor(() => received.length === 3);
    local.close();
    await done;
    expect(received).to.deep.equal(['a', 'b', 'c']);
    client.close();
  });

  it('a pending receive() rejects with DataChannelClosedError when the channel closes', async () => {
    const { client, local, remote } = await connectedChannel();
    const pending = remote.receive();
    local.close();
    const error = await pending.catch((e) => e);
    expect(error).to.be.instanceOf(DataChannelClosedError);
    expect(error.code).to.equal('data-channel-closed');
    client.close();
  });

  it('send() on a closed channel rejects with DataChannelClosedError', async () => {
    const { client, local } = await connectedChannel();
    local.close();
    const error = await local.send('late').catch((e) => e);
    expect(error).to.be.instanceOf(DataChannelClosedError);
    client.close();
  });

  it('reports open, bufferedamountlow, closing and closed in dataChannelEvents', async () => {
    const { client, a, local, remote } = await connectedChannel('events', {
      highWaterMark: 64 * 1024,
      bufferedAmountLowThreshold: 16 * 1024,
    });
    const chunk = new Uint8Array(16 * 1024);
    const sends = [];
    for (let i = 0; i < 64; i++) sends.push(local.send(chunk));
    await Promise.all(sends);
    await waitFor(
      () => a.dataChannelEvents.values.some((e) => e.type === 'bufferedamountlow'),
      ARRIVE_MS,
      'bufferedamountlow',
    );
    local.close();
    await waitFor(() => a.dataChannelEvents.values.some((e) => e.type === 'closed'));
    const seen: DataChannelEvent['type'][] = [];
    for await (const event of a.dataChannelEvents) {
      if (event.channel === local) seen.push(event.type);
      if (event.type === 'closed') break;
    }
    expect(seen[0]).to.equal('open');
    expect(seen).to.include('bufferedamountlow');
    expect(seen[seen.length - 1]).to.equal('closed');
    void remote;
    client.close();
  });

  it('the remote side sees a channel opened by the other side, with an open event', async () => {
    const { client, b, remote } = await connectedChannel('seen');
    await waitFor(() => b.dataChannelEvents.values.some((e) => e.type === 'open' && e.channel === remote));
    expect(remote.label).to.equal('seen');
    client.close();
  });

  it('a message larger than the connection accepts is rejected with a clear error, not truncated', async () => {
    const { client, a, local, remote } = await connectedChannel();
    const max = a.native.sctp?.maxMessageSize ?? 0;
    if (max > 0 && max < 64 * 1024 * 1024) {
      const error = await local.send(new Uint8Array(max + 1)).catch((e) => e);
      expect(error).to.be.instanceOf(DataChannelError);
      expect(error.reason).to.equal('message-too-big');
    }
    await local.send('still works');
    expect(await remote.receive()).to.equal('still works');
    client.close();
  });

  /**
   * A connected channel whose receiving end holds at most 1,000 bytes, and that end's overflow error once 2,000 bytes
   * were sent.
   */
  async function overflowedChannel() {
    const { WebRtcClient } = await import('../../src/index.js');
    const tiny = new WebRtcClient({ defaultConnectionConfig: { dataChannelDefaults: { receiveQueueBytes: 1000 } } });
    const a = tiny.createPeerConnection();
    const b = tiny.createPeerConnection();
    const { relayCandidates } = await import('./helpers.js');
    relayCandidates(a, b);
    const sender = a.createDataChannel('tiny');
    const arrives = nextEvent<{ channel: WebRtcDataChannel }>(b, 'datachannel');
    await negotiate(a, b);
    const { channel: receiver } = await arrives;
    const errored = nextEvent<{ error: DataChannelError }>(receiver, 'error');
    for (let i = 0; i < 5; i++) await sender.send(new Uint8Array(400)).catch(() => {});
    const { error } = await errored;
    return { tiny, receiver, error };
  }

  it('an overflowing receive queue reports an error and closes, keeping what arrived', async () => {
    const { tiny, receiver, error } = await overflowedChannel();
    expect(error.reason).to.equal('receive-queue-overflow');
    let kept = 0;
    for (let message = receiver.tryReceive(); message !== null; message = receiver.tryReceive())
      kept += (message as Uint8Array).byteLength;
    expect(kept).to.be.greaterThan(1000);
    tiny.close();
  });

  it('for await over a channel that overflowed gives what was queued, then throws the overflow error instead of ending quietly', async () => {
    const { tiny, receiver } = await overflowedChannel();
    let kept = 0;
    let thrown: unknown;
    try {
      for await (const message of receiver) kept += (message as Uint8Array).byteLength;
    } catch (error) {
      thrown = error;
    }
    expect(kept).to.be.greaterThan(1000);
    expect((thrown as DataChannelError | undefined)?.reason).to.equal('receive-queue-overflow');
    tiny.close();
  });

  it('a send that waited for the buffer resumes at the low threshold; a threshold above the high-water mark does not stall', async function () {
    this.timeout(TEST_MS);
    const chunk = randomBytes(64 * 1024);
    const drain = (remote: WebRtcDataChannel, total: number) =>
      (async () => {
        for (let got = 0; got < total;) got += (await remote.receiveBinary()).byteLength;
      })();
    {
      const high = 512 * 1024;
      const low = 128 * 1024;
      const { client, local, remote } = await connectedChannel('hysteresis', {
        highWaterMark: high,
        bufferedAmountLowThreshold: low,
      });
      const total = 8 * 1024 * 1024;
      const receiving = drain(remote, total);
      let waited = 0;
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        const before = local.bufferedAmount;
        await local.send(chunk);
        if (before > high) {
          waited++;
          expect(local.bufferedAmount).to.be.at.most(low + chunk.byteLength);
        }
      }
      await receiving;
      expect(waited).to.be.greaterThan(0);
      client.close();
    }
    {
      const { client, local, remote } = await connectedChannel('odd-threshold', {
        highWaterMark: 256 * 1024,
        bufferedAmountLowThreshold: 4 * 1024 * 1024,
      });
      const total = 4 * 1024 * 1024;
      const receiving = drain(remote, total);
      for (let sent = 0; sent < total; sent += chunk.byteLength) await local.send(chunk);
      await receiving;
      client.close();
    }
  });

  it("a high-water mark above the browser's own queue limit (Chromium: 16 MiB) waits instead of failing", async function () {
    this.timeout(LONG_TEST_MS);
    const MiB = 1024 * 1024;
    const { client, local, remote } = await connectedChannel('queue-full', {
      highWaterMark: 64 * MiB,
      bufferedAmountLowThreshold: 4 * MiB,
    });
    const total = 40 * MiB;
    const chunk = randomBytes(64 * 1024);
    let received = 0;
    const receiving = (async () => {
      while (received < total) received += (await remote.receiveBinary()).byteLength;
    })();
    let peak = 0;
    for (let sent = 0; sent < total; sent += chunk.byteLength) {
      await local.send(chunk);
      peak = Math.max(peak, local.bufferedAmount);
    }
    await receiving;
    expect(received).to.equal(total);
    expect(peak).to.be.greaterThan(8 * MiB, 'the queue filled far past the default high-water mark');
    // Text whose UTF-8 is three times its length: the queue still fills to the browser's limit,
    // and a refused send waits and goes again.
    const text = '€'.repeat(64 * 1024);
    const count = 120;
    const texts = (async () => {
      for (let i = 0; i < count; i++) expect(await remote.receiveText()).to.equal(text);
    })();
    for (let i = 0; i < count; i++) await local.send(text);
    await texts;
    client.close();
  });

  it('sends 64 MiB in a loop under backpressure without a send-queue-full error', async function () {
    this.timeout(LONG_TEST_MS);
    const { client, local, remote } = await connectedChannel('bulk');
    const total = 64 * 1024 * 1024;
    const chunk = randomBytes(64 * 1024);
    let received = 0;
    const receiving = (async () => {
      while (received < total) received += (await remote.receiveBinary()).byteLength;
    })();
    for (let sent = 0; sent < total; sent += chunk.byteLength) await local.send(chunk);
    await receiving;
    expect(received).to.equal(total);
    client.close();
  });
});
