import { expect } from '@open-wc/testing';
import {
  BroadcastChannelSignaler,
  ConfigError,
  ConnectionClosedError,
  SignalingError,
  TrackError,
  WebRtcClient,
  WebSocketSignaler,
  WhipSignaler,
  createSignalerPair,
  type Signaler,
} from '../../src/index.js';
import { makePair, negotiate } from './helpers.js';

/** What a call rejects or throws with (null when it succeeds). */
async function failureOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return null;
  } catch (error) {
    return error;
  }
}

const BYE = { type: 'bye' } as const;

describe('errors match their causes', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  it('a closed peer connection is ConnectionClosedError (code connection-closed), not a closed client', async () => {
    const connection = client.createPeerConnection();
    connection.close();
    const errors = [
      await failureOf(() => connection.createOffer()),
      await failureOf(() => connection.createDataChannel('x')),
      await failureOf(() => connection.awaitIceGatheringComplete()),
    ];
    for (const error of errors) {
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(error).to.have.property('code', 'connection-closed');
    }
    expect(client.isClosed).to.equal(false);
  });

  it('a closed signaler is SignalingError reason closed, whichever the adapter', async () => {
    const [pairEnd] = createSignalerPair();
    const { url } = await (await fetch('/__signaling.json')).json();
    const signalers: Signaler[] = [
      pairEnd,
      new BroadcastChannelSignaler(`errors-${crypto.randomUUID()}`),
      new WebSocketSignaler(url, { room: `errors-${crypto.randomUUID()}` }),
      new WhipSignaler('http://127.0.0.1:9/whip'),
    ];
    for (const signaler of signalers) {
      signaler.close?.();
      const error = await failureOf(() => signaler.send(BYE));
      expect(error, signaler.constructor.name).to.be.instanceOf(SignalingError);
      expect(error, signaler.constructor.name).to.include({ code: 'signaling', reason: 'closed' });
    }
  });

  it('no RTCPeerConnection to use is ConfigError (code config, reason no-peer-connection)', async () => {
    const native = Object.getOwnPropertyDescriptor(globalThis, 'RTCPeerConnection')!;
    Object.defineProperty(globalThis, 'RTCPeerConnection', { value: undefined, configurable: true, writable: true });
    let error: unknown;
    try {
      error = await failureOf(() => client.createPeerConnection());
    } finally {
      Object.defineProperty(globalThis, 'RTCPeerConnection', native);
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect(error).to.include({ code: 'config', reason: 'no-peer-connection' });
  });

  it('sending a track wrongly is TrackError (code track): addTrack twice, removeTrack of a track not sent, replaceTrack with another kind', async () => {
    const { a, b } = makePair(client);
    const camera = await client.createVideoTrack({ width: 160, height: 120 });
    const microphone = await client.createAudioTrack();
    const sender = a.addTrack(camera);
    await negotiate(a, b);
    const errors = {
      addTrack: await failureOf(() => a.addTrack(camera)),
      removeTrack: await failureOf(() => a.removeTrack(microphone)),
      replaceTrack: await failureOf(() => sender.replaceTrack(microphone)),
    };
    for (const [call, error] of Object.entries(errors)) {
      expect(error, call).to.be.instanceOf(TrackError);
      expect(error, call).to.have.property('code', 'track');
    }
    expect(errors.removeTrack).to.have.property('reason', 'unknown-track');
  });
});
