// The first negotiation between two sessions: who offers, and that it happens once, with no timer on its path.
import { expect } from '@open-wc/testing';
import {
  SignalingSession,
  WebRtcClient,
  createSignalerPair,
  type SessionOptions,
  type Signaler,
} from '../../src/index.js';
import { tapSend } from './helpers.js';
import { QUIET_MS, TICK_MS, sleep } from '../support/waits.mjs';

/** Far below the 1.5 s the polite side waited for an offer that was never coming. */
const NO_WAIT_MS = 1000;
type WebRtcDataChannelLike = { whenOpen(): Promise<unknown> };

interface Side {
  session: SignalingSession;
  errors: unknown[];
}

describe('first contact', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  /** Two sessions over an in-page pair; `wire` lists the description types sent, in order. */
  function pair(
    a: SessionOptions,
    b: SessionOptions,
  ): { a: Side; b: Side; wire: string[]; ends: [Signaler, Signaler] } {
    const ends = createSignalerPair();
    const wire: string[] = [];
    for (const end of ends)
      tapSend(end, (m) => {
        if (m.type === 'description') wire.push(m.description.type);
      });
    const side = (end: Signaler, options: SessionOptions): Side => {
      const session = new SignalingSession(client.createPeerConnection(), end, { iceRestart: false, ...options });
      const errors: unknown[] = [];
      session.addEventListener('error', (e) => errors.push((e as CustomEvent).detail.error));
      return { session, errors };
    };
    return { a: side(ends[0], a), b: side(ends[1], b), wire, ends };
  }

  /** Starts both, and resolves with the ms until the channel `label` is open on both sides. */
  async function openTime(a: Side, b: Side, label = 'chat'): Promise<number> {
    const began = performance.now();
    a.session.start();
    b.session.start();
    const remoteOf = (side: Side) =>
      side.session.connection.dataChannels.find((c) => c.label === label) ??
      new Promise<never>((resolve) =>
        side.session.connection.addEventListener('datachannel', (e) => resolve((e as CustomEvent).detail.channel)),
      );
    await Promise.all([remoteOf(a), remoteOf(b)].map(async (c) => (await c).whenOpen()));
    return performance.now() - began;
  }

  it('only the polite side has something to send: it offers at once, and the connection negotiates once', async () => {
    const { a, b, wire } = pair({ id: 'a' }, { id: 'b' }); // "b" > "a": b is polite
    b.session.connection.createDataChannel('chat');
    const ms = await openTime(a, b);
    await sleep(QUIET_MS);
    expect(ms, `open after ${Math.round(ms)} ms`).to.be.below(NO_WAIT_MS);
    expect(wire).to.deep.equal(['offer', 'answer']);
    expect([...a.errors, ...b.errors]).to.deep.equal([]);
  });

  it('only the impolite side has something to send: it offers, and the connection negotiates once', async () => {
    const { a, b, wire } = pair({ id: 'a' }, { id: 'b' });
    a.session.connection.createDataChannel('chat');
    const ms = await openTime(a, b);
    await sleep(QUIET_MS);
    expect(ms, `open after ${Math.round(ms)} ms`).to.be.below(NO_WAIT_MS);
    expect(wire).to.deep.equal(['offer', 'answer']);
  });

  it('both sides have something to send: the impolite side offers, the polite one answers, once', async () => {
    const { a, b, wire } = pair({ id: 'a' }, { id: 'b' });
    a.session.connection.createDataChannel('chat', { negotiated: true, id: 7 });
    b.session.connection.createDataChannel('chat', { negotiated: true, id: 7 });
    const ms = await openTime(a, b);
    await sleep(QUIET_MS);
    expect(ms, `open after ${Math.round(ms)} ms`).to.be.below(NO_WAIT_MS);
    expect(wire).to.deep.equal(['offer', 'answer']);
  });

  it('an offer that reaches the impolite side before it could offer is answered, not met with its own offer (no glare)', async () => {
    // The polite side knows its peer and offers first (it heard nothing from it); the impolite side
    // starts late and finds that offer waiting behind the polite side's hello.
    const { a, b, wire } = pair({ id: 'a' }, { id: 'b', remoteId: 'a' });
    a.session.connection.createDataChannel('chat', { negotiated: true, id: 7 });
    b.session.connection.createDataChannel('chat', { negotiated: true, id: 7 });
    b.session.start();
    while (wire.length === 0) await sleep(TICK_MS); // b's offer is on the wire
    a.session.start();
    await Promise.all([a, b].map((side) => side.session.connection.dataChannels[0]!.whenOpen()));
    await sleep(QUIET_MS);
    expect(wire).to.deep.equal(['offer', 'answer']);
    expect([...a.errors, ...b.errors]).to.deep.equal([]);
  });

  /** Both sessions start with nothing to negotiate and have met (their hellos said so). */
  async function metWithNothing(): Promise<ReturnType<typeof pair>> {
    const sides = pair({ id: 'a' }, { id: 'b' });
    sides.a.session.start();
    sides.b.session.start();
    await sleep(QUIET_MS); // the hellos have crossed
    return sides;
  }

  it('both sides add a channel after they met: one offer, one answer (their hellos said nothing to negotiate)', async () => {
    const { a, b, wire } = await metWithNothing();
    const began = performance.now();
    for (const side of [a, b]) side.session.connection.createDataChannel('chat', { negotiated: true, id: 7 });
    await Promise.all([a, b].map((side) => side.session.connection.dataChannels[0]!.whenOpen()));
    const ms = performance.now() - began;
    await sleep(QUIET_MS);
    expect(wire).to.deep.equal(['offer', 'answer']);
    expect(ms, `open after ${Math.round(ms)} ms`).to.be.below(NO_WAIT_MS);
    expect([...a.errors, ...b.errors]).to.deep.equal([]);
  });

  it('only the polite side adds a channel after they met: it asks, and offers without waiting', async () => {
    const { a, b, wire } = await metWithNothing();
    const began = performance.now();
    b.session.connection.createDataChannel('chat');
    const remote = await new Promise<WebRtcDataChannelLike>((resolve) =>
      a.session.connection.addEventListener('datachannel', (e) => resolve((e as CustomEvent).detail.channel)),
    );
    await remote.whenOpen();
    const ms = performance.now() - began;
    expect(wire).to.deep.equal(['offer', 'answer']);
    expect(ms, `open after ${Math.round(ms)} ms`).to.be.below(NO_WAIT_MS);
  });

  it('a message from another peer while this one is still connecting is no error', async () => {
    const { a, b, ends } = pair({ id: 'a' }, { id: 'b' });
    a.session.connection.createDataChannel('chat');
    await openTime(a, b);
    // A third peer in the room (a quick rejoin under a new id) speaks to everyone.
    void ends[1].send({ type: 'candidate', candidate: null, from: 'c' });
    void ends[1].send({ type: 'hello', from: 'c' });
    await sleep(QUIET_MS);
    expect(a.errors).to.deep.equal([]);
  });
});
