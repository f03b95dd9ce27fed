import { expect } from '@open-wc/testing';
import {
  BroadcastChannelSignaler,
  SignalingError,
  SignalingSession,
  WebRtcClient,
  WebSocketSignaler,
  createSignalerPair,
  type SessionOptions,
  type SignalMessage,
  type Signaler,
  type TrackEvent,
  type WebRtcDataChannel,
} from '../../src/index.js';
import { isFirefox, nextEvent, signalingServerUrl, tapSend, waitFor } from './helpers.js';
import { ARRIVE_MS, CONNECT_MS, LOCAL_MS, QUIET_MS, REPLY_MS, TICK_MS, sleep, within } from '../support/waits.mjs';

let signalingUrl = '';
before(async () => {
  signalingUrl = await signalingServerUrl();
});

const ufragOf = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
const room = () => `room-${crypto.randomUUID()}`;
/** How late the second session starts, its peer's hello waiting in the pair meanwhile. */
const LATE_START_MS = 200;
/** Far below the 1.5 s the polite side waits for an offer that no hello announced. */
const NO_WAIT_MS = 1000;
/** How long a page's thread is held so that the server takes a leave before the page hears of it. */
const CROSSING_MS = 500;

function sessions(client: WebRtcClient, [sa, sb]: [Signaler, Signaler], options: SessionOptions = {}) {
  const a = new SignalingSession(client.createPeerConnection(), sa, options);
  const b = new SignalingSession(client.createPeerConnection(), sb, options);
  const errors: unknown[] = [];
  for (const s of [a, b]) s.addEventListener('error', (e) => errors.push(e.detail.error));
  return { a, b, errors };
}

async function channelAcross(
  a: SignalingSession,
  b: SignalingSession,
  label = 'chat',
): Promise<[WebRtcDataChannel, WebRtcDataChannel]> {
  const local = a.connection.createDataChannel(label);
  const remote = await new Promise<WebRtcDataChannel>((resolve) => {
    const existing = b.connection.dataChannels.find((c) => c.label === label);
    if (existing) resolve(existing);
    b.connection.addEventListener('datachannel', (e) => {
      const { channel } = e.detail;
      if (channel.label === label) resolve(channel);
    });
  });
  await Promise.all([local.whenOpen(), remote.whenOpen()]);
  return [local, remote];
}

async function framesArrive(track: MediaStreamTrack): Promise<void> {
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([track]);
  document.body.append(video);
  try {
    await video.play().catch(() => {});
    await waitFor(() => video.videoWidth > 0 && video.currentTime > 0, CONNECT_MS, 'decoded video frames');
  } finally {
    video.remove();
  }
}

describe('signaling session (perfect negotiation)', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  it('connects whichever side starts first, and moves a message', async () => {
    const { a, b, errors } = sessions(client, createSignalerPair());
    const [local, remoteP] = [
      a.connection.createDataChannel('chat'),
      nextEvent<{ channel: WebRtcDataChannel }>(b.connection, 'datachannel'),
    ];
    a.start();
    await sleep(LATE_START_MS); // b starts late: a's hello waited in the pair
    b.start();
    const { channel: remote } = await remoteP;
    await local.send('hi');
    expect(await remote.receive()).to.equal('hi');
    expect(a.remoteId).to.equal(b.id);
    expect(b.remoteId).to.equal(a.id);
    expect(a.polite).to.not.equal(b.polite);
    expect(errors).to.deep.equal([]);
  });

  it('resolves glare: both sides offer at once and both channels open', async () => {
    for (let round = 0; round < 3; round++) {
      const { a, b, errors } = sessions(client, createSignalerPair());
      const fromA = a.connection.createDataChannel('from-a');
      const fromB = b.connection.createDataChannel('from-b');
      a.start();
      b.start();
      await Promise.all([fromA.whenOpen(), fromB.whenOpen()]);
      await waitFor(
        () => a.connection.dataChannels.length === 2 && b.connection.dataChannels.length === 2,
        ARRIVE_MS,
        'both channels on both sides',
      );
      expect(a.connection.signalingState).to.equal('stable');
      expect(errors.filter((e) => !(e as { code?: string }).code?.startsWith('ice'))).to.deep.equal([]);
      a.close();
      b.close();
    }
  });

  it('renegotiates from either side: a track from b, then a channel from a', async () => {
    const { a, b, errors } = sessions(client, createSignalerPair());
    a.start();
    b.start();
    await channelAcross(a, b, 'first');
    const camera = await client.createVideoTrack({ width: 320, height: 240 });
    const arrived = nextEvent<TrackEvent>(a.connection, 'track');
    b.connection.addTrack(camera);
    const { track } = await arrived;
    await framesArrive(track.native);
    const [x, y] = await channelAcross(a, b, 'second');
    await x.send(new Uint8Array([7, 8]));
    expect([...(await y.receiveBinary())]).to.deep.equal([7, 8]);
    expect(errors).to.deep.equal([]);
  });

  it('a connection with a channel before start offers exactly once (the first offer does not wait for negotiationneeded)', async () => {
    const [sa, sb] = createSignalerPair();
    const sent: string[] = [];
    for (const end of [sa, sb])
      tapSend(end, (message) => {
        if (message.type === 'description') sent.push(message.description.type);
      });
    const { a, b, errors } = sessions(client, [sa, sb], { iceRestart: false });
    const local = a.connection.createDataChannel('chat');
    const remoteP = nextEvent<{ channel: WebRtcDataChannel }>(b.connection, 'datachannel');
    a.start();
    b.start();
    const { channel: remote } = await remoteP;
    await Promise.all([local.whenOpen(), remote.whenOpen()]);
    await sleep(QUIET_MS); // room for a second, needless offer
    expect(sent).to.deep.equal(['offer', 'answer']);
    expect([a.connection.signalingState, b.connection.signalingState]).to.deep.equal(['stable', 'stable']);
    expect(errors).to.deep.equal([]);
  });

  /**
   * b adds a camera to a connected call and `muteAt` mutes it during that renegotiation: a must see the mute, and no
   * error.
   */
  async function muteDuringRenegotiation(
    muteAt: (b: SignalingSession, sb: Signaler, mute: () => void) => void,
  ): Promise<void> {
    const [sa, sb] = createSignalerPair();
    const { a, b, errors } = sessions(client, [sa, sb]);
    a.start();
    b.start();
    await channelAcross(a, b);
    const camera = await client.createVideoTrack({ width: 320, height: 240 });
    const muted = nextEvent<{ kind: string }>(a, 'mute');
    muteAt(b, sb, () => b.setTrackMuted(camera, true));
    b.connection.addTrack(camera);
    expect((await muted).kind).to.equal('video');
    expect(errors).to.deep.equal([]);
  }

  it('a mute sent right behind a renegotiation offer reaches the other side (it waits for that offer)', async () => {
    // The track-state message follows b's offer at once, while a is still applying that offer.
    await muteDuringRenegotiation((_, sb, mute) => {
      tapSend(sb, (message) => {
        if (message.type === 'description' && message.description.type === 'offer') mute();
      });
    });
  });

  it('a mute between setting an offer and sending it waits for the offer (it used to overtake it: unknown-track)', async () => {
    // have-local-offer: the new transceiver has its mid, and the offer is not sent yet.
    await muteDuringRenegotiation((b, _, mute) => {
      b.connection.native.addEventListener(
        'signalingstatechange',
        () => {
          if (b.connection.signalingState === 'have-local-offer') mute();
        },
        { once: true },
      );
    });
  });

  it('bye ends the session on both sides with the reason', async () => {
    const { a, b } = sessions(client, createSignalerPair());
    a.start();
    b.start();
    await channelAcross(a, b);
    const closed = nextEvent<{ reason: string; remote: boolean }>(b, 'close');
    a.hangUp('done for today');
    expect(await closed).to.deep.equal({ reason: 'done for today', remote: true });
    expect(a.connection.isClosed && b.connection.isClosed).to.be.true;
  });

  it('reports malformed messages as SignalingError and changes nothing', async () => {
    const [sa, sb] = createSignalerPair();
    const { a, b, errors } = sessions(client, [sa, sb]);
    a.start();
    b.start();
    const [local, remote] = await channelAcross(a, b);
    const bad: unknown[] = [
      null,
      42,
      'text',
      [],
      {},
      { type: 'nope' },
      { type: 'description' },
      { type: 'description', description: { type: 'offer', sdp: 7 } },
      { type: 'description', description: { type: 'offer', sdp: 'x'.repeat(400_000) } },
      { type: 'candidate' },
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp', sdpMid: 5 } },
      { type: 'bye', reason: 12 },
      { type: 'hello', from: '<img src=x onerror=alert(1)>' },
    ];
    const before = errors.length;
    for (const message of bad) void sa.send(message as never);
    await waitFor(() => errors.length - before === bad.length, LOCAL_MS, 'one error per bad message');
    for (const error of errors.slice(before)) {
      expect(error).to.be.instanceOf(SignalingError);
      expect((error as SignalingError).code).to.equal('signaling');
    }
    expect(b.connection.state).to.equal('connected');
    await local.send('still here');
    expect(await remote.receive()).to.equal('still here');
  });

  it('restarts ICE on request: reconnecting, new credentials, reconnected', async () => {
    const { a, b } = sessions(client, createSignalerPair());
    a.start();
    b.start();
    const [local, remote] = await channelAcross(a, b);
    const before = ufragOf(a.connection.localDescription!.sdp);
    const reconnecting = nextEvent<{ reason: string; attempt: number }>(a, 'reconnecting');
    const reconnected = nextEvent<{ reason: string }>(a, 'reconnected');
    a.restartIce('test');
    expect(await reconnecting).to.deep.equal({ reason: 'test', attempt: 1 });
    expect((await reconnected).reason).to.equal('test');
    expect(ufragOf(a.connection.localDescription!.sdp)).to.not.equal(before);
    await local.send('after restart');
    expect(await remote.receive()).to.equal('after restart');
  });

  it('restarts ICE by itself after a forced "failed" state: reconnecting, then reconnected', async () => {
    const { a, b } = sessions(client, createSignalerPair());
    a.start();
    b.start();
    const [local, remote] = await channelAcross(a, b);
    const before = ufragOf(a.connection.localDescription!.sdp);
    // Fault injection on a real connection: its ICE state reads "failed" until the restart begins.
    const native = a.connection.native;
    const real = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'iceConnectionState')!.get!;
    let forced: RTCIceConnectionState | null = 'failed';
    Object.defineProperty(native, 'iceConnectionState', { configurable: true, get: () => forced ?? real.call(native) });
    const events: string[] = [];
    for (const type of ['reconnecting', 'reconnected', 'failed'] as const)
      a.addEventListener(type, (e) => events.push(`${type}:${e.detail.reason}`));
    const reconnecting = nextEvent(a, 'reconnecting');
    const reconnected = nextEvent(a, 'reconnected');
    native.dispatchEvent(new Event('iceconnectionstatechange'));
    await reconnecting;
    forced = null; // the network is back: real states from here on
    await reconnected;
    expect(events).to.deep.equal(['reconnecting:ice-failed', 'reconnected:ice-failed']);
    expect(ufragOf(a.connection.localDescription!.sdp)).to.not.equal(before);
    await local.send('after the failure');
    expect(await remote.receive()).to.equal('after the failure');
  });

  it('gives up with "timeout" when the remote vanishes without bye, after bounded restarts', async () => {
    const options: SessionOptions = {
      iceRestart: { disconnectedTimeoutMs: 300, attemptTimeoutMs: 1000, maxAttempts: 2 },
    };
    const { a, b } = sessions(client, createSignalerPair(), options);
    a.start();
    b.start();
    await channelAcross(a, b);
    const events: string[] = [];
    for (const type of ['reconnecting', 'failed']) a.addEventListener(type, () => events.push(type));
    const closed = nextEvent<{ reason: string }>(a, 'close', 45000);
    const started = performance.now();
    b.close(); // no bye: the page died
    expect((await closed).reason).to.equal('timeout');
    expect(events).to.deep.equal(['reconnecting', 'reconnecting', 'failed']);
    expect(performance.now() - started).to.be.lessThan(40000);
  });
});

describe('signalers', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  it('BroadcastChannel: two sessions meet and negotiate, glare included', async () => {
    const name = room();
    const sa = new BroadcastChannelSignaler(name);
    const sb = new BroadcastChannelSignaler(name);
    try {
      const { a, b, errors } = sessions(client, [sa, sb]);
      const fromA = a.connection.createDataChannel('a');
      const fromB = b.connection.createDataChannel('b');
      a.start();
      b.start();
      await Promise.all([fromA.whenOpen(), fromB.whenOpen()]);
      const remote = await waitFor(
        () => !!b.connection.dataChannels.find((c) => c.label === 'a'),
        ARRIVE_MS,
        'a on b',
      ).then(() => b.connection.dataChannels.find((c) => c.label === 'a')!);
      await fromA.send('over broadcast');
      expect(await remote.receive()).to.equal('over broadcast');
      expect(errors).to.deep.equal([]);
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('WebSocket through the real server: a message and fake video arrive', async () => {
    const name = room();
    const sa = new WebSocketSignaler(signalingUrl, { room: name });
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    try {
      const { a, b, errors } = sessions(client, [sa, sb]);
      const camera = await client.createVideoTrack({ width: 320, height: 240 });
      a.connection.addTrack(camera);
      const trackP = nextEvent<TrackEvent>(b.connection, 'track');
      a.start();
      b.start();
      const [local, remote] = await channelAcross(a, b);
      await local.send('through the server');
      expect(await remote.receive()).to.equal('through the server');
      await framesArrive((await trackP).track.native);
      expect(a.remoteId).to.equal(sb.peerId);
      expect(errors).to.deep.equal([]);
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('WebSocket: the call goes on while the server is down; queued signals arrive after reconnect', async () => {
    const name = room();
    // A server of this browser's own: the other browser's tests go on on the shared one meanwhile.
    const key = isFirefox ? 'firefox' : 'chromium';
    const { url } = await (await fetch(`/__signaling/restartable.json?key=${key}`)).json();
    const sa = new WebSocketSignaler(url, { room: name, reconnect: { minDelayMs: 100, maxDelayMs: 400 } });
    const sb = new WebSocketSignaler(url, { room: name, reconnect: { minDelayMs: 100, maxDelayMs: 400 } });
    try {
      const { a, b } = sessions(client, [sa, sb]);
      a.start();
      b.start();
      const [local, remote] = await channelAcross(a, b);
      const idA = sa.peerId;
      const reconnecting = nextEvent(sa, 'reconnecting');
      await fetch(`/__signaling/restart?key=${key}&downMs=1500`);
      await reconnecting;
      // The peer connection does not need the server: data still flows.
      await local.send('server is down');
      expect(await remote.receive()).to.equal('server is down');
      // A renegotiation while the server is down: its offer waits in the queue.
      const camera = await client.createVideoTrack({ width: 320, height: 240 });
      const trackP = nextEvent<TrackEvent>(b.connection, 'track', 20000);
      a.connection.addTrack(camera);
      await waitFor(() => sa.queuedCount > 0, LOCAL_MS, 'a queued offer');
      await framesArrive((await trackP).track.native);
      expect(sa.peerId).to.equal(idA, 'the id survives the reconnect');
      expect(sa.state).to.equal('open');
    } finally {
      sa.close();
      sb.close();
    }
  });

  /** Holds what `signaler` delivers to its subscribers until the returned function lets it go. */
  function holdDeliveries(signaler: Signaler): () => void {
    const held: Array<() => void> = [];
    let holding = true;
    const subscribe = signaler.subscribe.bind(signaler);
    signaler.subscribe = (listener) =>
      subscribe((message) => (holding ? held.push(() => listener(message)) : listener(message)));
    return () => {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    };
  }

  // The server's presence (welcome, peer-joined) finds the peer: the first offer waits for no
  // message (it used to wait for a hello round trip, one signaling leg more than a raw page).
  for (const [offerer, joinerStarts] of [
    ['joiner', 'before it is in the room'],
    ['joiner', 'once it is in the room'],
    ['waiting side', 'before it is in the room'],
  ] as const) {
    it(`WebSocket: the impolite ${offerer} offers while every message to both sides is held (the joiner starts ${joinerStarts})`, async () => {
      const name = room();
      const sa = new WebSocketSignaler(signalingUrl, { room: name });
      let sb: WebSocketSignaler | undefined;
      try {
        const releases = [holdDeliveries(sa)];
        const offers: string[] = [];
        tapSend(sa, (m) => m.type === 'description' && offers.push(`waiting side ${m.description.type}`));
        const waitingPolite = offerer === 'joiner';
        const a = new SignalingSession(client.createPeerConnection(), sa, { polite: waitingPolite });
        a.connection.createDataChannel('chat');
        a.start();
        await sa.whenOpen();
        sb = new WebSocketSignaler(signalingUrl, { room: name });
        releases.push(holdDeliveries(sb));
        tapSend(sb, (m) => m.type === 'description' && offers.push(`joiner ${m.description.type}`));
        const b = new SignalingSession(client.createPeerConnection(), sb, { polite: !waitingPolite });
        b.connection.createDataChannel('chat');
        const errors: unknown[] = [];
        for (const s of [a, b]) s.addEventListener('error', (e) => errors.push(e.detail.error));
        if (joinerStarts === 'once it is in the room') await sb.whenOpen();
        b.start();
        await waitFor(() => offers.length > 0, REPLY_MS, 'an offer sent with nothing delivered');
        expect(offers).to.deep.equal([`${offerer} offer`]);
        const released = performance.now();
        for (const release of releases) release();
        await within(
          Promise.all([a, b].map((s) => s.connection.dataChannels[0].whenOpen())),
          CONNECT_MS,
          "each side's channel open",
        );
        // Far below the polite side's 1.5 s wait for an offer that no hello announced.
        expect(performance.now() - released).to.be.below(NO_WAIT_MS);
        expect(errors).to.deep.equal([]);
      } finally {
        sa.close();
        sb?.close();
      }
    });
  }

  /**
   * The waiting side (polite) sends video; the joiner (impolite) sends nothing and asks for audio and
   * video (`receive`). Every message to both sides is held until `release()`; `sent` lists what each
   * side sent but candidates, as "side type", a hello with its `negotiate`.
   */
  async function receiveOnlyJoin(name: string) {
    const sa = new WebSocketSignaler(signalingUrl, { room: name });
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    const sent: string[] = [];
    const note = (side: string) => (m: SignalMessage) => {
      if (m.type === 'description') sent.push(`${side} ${m.description.type}`);
      else if (m.type === 'hello') sent.push(`${side} hello ${m.negotiate ? 'negotiate' : 'nothing to negotiate'}`);
    };
    tapSend(sa, note('waiting side'));
    tapSend(sb, note('joiner'));
    const releases = [holdDeliveries(sa), holdDeliveries(sb)];
    const a = new SignalingSession(client.createPeerConnection(), sa, { polite: true });
    a.connection.addTrack(await client.createVideoTrack({ width: 320, height: 240 }));
    a.start();
    await sa.whenOpen();
    const b = new SignalingSession(client.createPeerConnection(), sb, { polite: false, receive: true });
    const track = nextEvent<TrackEvent>(b.connection, 'track');
    const errors: unknown[] = [];
    for (const s of [a, b]) s.addEventListener('error', (e) => errors.push(e.detail.error));
    b.start();
    const release = () => {
      for (const r of releases) r();
    };
    const close = () => {
      sa.close();
      sb.close();
    };
    return { sent, track, errors, release, close };
  }

  // A raw page's receiving joiner offers a recvonly transceiver: the session must not spend a hello
  // round trip more (the join bench's one-sided rows, bench/RESULTS.md).
  it('WebSocket: an impolite side that only receives offers at once, receive-only, with nothing delivered', async () => {
    const join = await receiveOnlyJoin(room());
    try {
      // The old session said a hello and waited for the other side's offer, which never came.
      await waitFor(() => join.sent.includes('joiner offer'), REPLY_MS, 'the joiner offering with nothing delivered');
      expect(join.sent.filter((m) => m.startsWith('joiner'))).to.not.include('joiner hello nothing to negotiate');
      join.release();
      await join.track;
    } finally {
      join.close();
    }
  });

  it("WebSocket: the other side's video reaches an impolite side that only receives on the answer to its first offer", async () => {
    const join = await receiveOnlyJoin(room());
    try {
      await waitFor(() => join.sent.length > 1, REPLY_MS, 'both sides saying something');
      join.release();
      await framesArrive((await join.track).track.native);
      const descriptions = join.sent.filter((m) => !m.includes('hello'));
      expect(descriptions).to.deep.equal(['joiner offer', 'waiting side answer']);
      expect(join.errors).to.deep.equal([]);
    } finally {
      join.close();
    }
  });

  it('WebSocket: a peer that leaves reaches the session as bye "peer-left"', async () => {
    const name = room();
    const sa = new WebSocketSignaler(signalingUrl, { room: name });
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    try {
      const { a, b } = sessions(client, [sa, sb]);
      a.start();
      b.start();
      await channelAcross(a, b);
      const closed = nextEvent<{ reason: string; remote: boolean }>(a, 'close');
      sb.close();
      expect(await closed).to.deep.equal({ reason: 'peer-left', remote: true });
    } finally {
      sa.close();
    }
  });

  it('WebSocket: a peer that left while this side reconnected reaches the session as bye "peer-left", and what waited for it is no error', async () => {
    const name = room();
    // a's sockets, to drop one as a network blip does (not a clean close: the server keeps a's place).
    const sockets: WebSocket[] = [];
    class KeptWebSocket extends WebSocket {
      constructor(url: string | URL) {
        super(url);
        sockets.push(this);
      }
    }
    const sa = new WebSocketSignaler(signalingUrl, {
      room: name,
      WebSocket: KeptWebSocket,
      reconnect: { minDelayMs: 2 * QUIET_MS, maxDelayMs: 2 * QUIET_MS },
    });
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    const errors: string[] = [];
    sa.addEventListener('error', (e) => errors.push(`${e.detail.error.reason}: ${e.detail.error.message}`));
    try {
      const { a, b } = sessions(client, [sa, sb]);
      a.start();
      b.start();
      await channelAcross(a, b);
      const idB = sb.peerId!;
      const closed = nextEvent<{ reason: string; remote: boolean }>(a, 'close');
      const left = nextEvent<{ id: string }>(sa, 'peer-left');
      const reconnecting = nextEvent(sa, 'reconnecting');
      sockets.at(-1)!.close(4000, 'blip');
      await reconnecting;
      // b leaves while a is away (a never hears it), and a message for b waits in a's queue.
      sb.close();
      sa.send({ type: 'hello', to: idB });
      expect(sa.queuedCount).to.be.greaterThan(0);
      expect((await left).id).to.equal(idB);
      expect(await closed).to.deep.equal({ reason: 'peer-left', remote: true });
      expect([...sa.peers]).to.deep.equal([]);
      // Nothing is left to expire later as "unsent".
      expect(sa.queuedCount).to.equal(0);
      await sleep(QUIET_MS);
      expect(errors).to.deep.equal([]);
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('WebSocket: a message that crosses its peer leaving is no error (the server refused it once that peer was gone)', async () => {
    const name = room();
    const sa = new WebSocketSignaler(signalingUrl, { room: name });
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    const errors: string[] = [];
    sb.addEventListener('error', (e) => errors.push(`${e.detail.error.reason}: ${e.detail.error.message}`));
    try {
      await Promise.all([sa.whenOpen(), sb.whenOpen()]);
      await waitFor(() => sb.peers.size === 1, REPLY_MS, 'b sees a');
      const [a] = [...sb.peers];
      const left = nextEvent(sb, 'peer-left');
      sa.close();
      // The page's thread is held while the server takes a's leave: b's message goes before b hears of it.
      const heldUntil = performance.now() + CROSSING_MS;
      while (performance.now() < heldUntil);
      expect(sb.peers.has(a!)).to.equal(true);
      sb.send({ type: 'hello', to: a });
      await left;
      await sleep(QUIET_MS);
      expect(errors).to.deep.equal([]);
    } finally {
      sb.close();
    }
  });

  it('WebSocket: what is sent before joining waits, then arrives whole and in order', async () => {
    const name = room();
    const sb = new WebSocketSignaler(signalingUrl, { room: name });
    const got: number[] = [];
    sb.subscribe((m) => {
      if (m.type === 'hello') got.push((m as { n?: number }).n ?? -1);
    });
    await sb.whenOpen();
    const sa = new WebSocketSignaler(signalingUrl, { room: name });
    try {
      // Not joined yet: all 150 wait (within the server's burst of 200).
      for (let n = 0; n < 150; n++) sa.send({ type: 'hello', n } as never);
      expect(sa.queuedCount).to.equal(150);
      await waitFor(() => got.length === 150, ARRIVE_MS, '150 queued messages');
      expect(got).to.deep.equal([...Array(150).keys()]);
      expect(sa.queuedCount).to.equal(0);
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('WebSocket: a full queue refuses a send with SignalingError reason queue-full', () => {
    // A signaler that has not joined yet, with room for 10.
    const small = new WebSocketSignaler(signalingUrl, { room: room(), maxQueue: 10 });
    try {
      for (let n = 0; n < 10; n++) small.send({ type: 'hello' });
      expect(() => small.send({ type: 'hello' }))
        .to.throw(SignalingError)
        .with.property('reason', 'queue-full');
    } finally {
      small.close();
    }
  });

  it('WebSocket: a message for a peer that never comes is reported as unsent when queueTimeoutMs passes, with nothing else happening', async () => {
    const s = new WebSocketSignaler(signalingUrl, { room: room(), queueTimeoutMs: 300 });
    try {
      await s.whenOpen();
      const unsent = new Promise<CustomEvent>((resolve) =>
        s.addEventListener('error', (e) => resolve(e as CustomEvent), { once: true }),
      );
      const sentAt = performance.now();
      s.send({ type: 'hello', to: 'nobody-here' });
      expect(s.queuedCount).to.equal(1);
      const { detail } = await within(unsent, REPLY_MS, 'unsent error');
      expect(detail.error.reason).to.equal('unsent');
      expect(detail.error.message).to.match(/^1 signal messages unsent: peer away 300 ms/);
      expect(performance.now() - sentAt).to.be.at.least(290);
      expect(s.queuedCount).to.equal(0);
    } finally {
      s.close();
    }
  });

  it('WebSocket: a URL that is not ws(s):// is a SignalingError', () => {
    expect(() => new WebSocketSignaler('http://example.com')).to.throw(SignalingError);
  });

  it('WebSocket: a closed signaler (closed twice) refuses to send', async () => {
    const s = new WebSocketSignaler(signalingUrl, { room: room() });
    await s.whenOpen();
    s.close();
    s.close();
    expect(() => s.send({ type: 'hello' })).to.throw(/closed/);
  });

  it('bad numeric options are a RangeError naming the option, before anything connects or listens', async () => {
    let sockets = 0;
    class CountingSocket {
      constructor() {
        sockets++;
      }
    }
    for (const options of [
      { maxQueue: NaN },
      { queueTimeoutMs: '5000' },
      { reconnect: { maxAttempts: -1 } },
      { reconnect: { maxDelayMs: NaN } },
    ]) {
      expect(
        () => new WebSocketSignaler('ws://127.0.0.1:9', { ...options, WebSocket: CountingSocket } as never),
        JSON.stringify(options),
      ).to.throw(RangeError, /^(maxQueue|queueTimeoutMs|maxAttempts|maxDelayMs) must be a number >= 0, not /);
    }
    expect(sockets).to.equal(0, 'no socket was opened');
    const client = new WebRtcClient();
    const [sa, sb] = createSignalerPair();
    try {
      let heard = 0;
      sb.subscribe(() => heard++);
      const session = new SignalingSession(client.createPeerConnection(), sa, { iceRestart: { maxAttempts: NaN } });
      expect(() => session.start()).to.throw(RangeError, /^maxAttempts must be a number >= 0, not NaN$/);
      // Nothing half-started: a second start throws the same, and no hello went out.
      expect(() => session.start()).to.throw(RangeError);
      await sleep(TICK_MS);
      expect(heard).to.equal(0, 'the session sent nothing');
    } finally {
      client.close();
      sa.close?.();
      sb.close?.();
    }
  });
});
