import { expect } from '@open-wc/testing';
import {
  ConnectionClosedError,
  IceError,
  SdpError,
  WebRtcClient,
  WebRtcError,
  type IceCandidate,
  type WebRtcPeerConnection,
} from '../../src/index.js';
import { connectedChannel, isFirefox, makePair, negotiate, nextEvent, waitFor } from './helpers.js';
import { ARRIVE_MS, CONNECT_MS, LOCAL_MS, SETTLE_MS, sleep } from '../support/waits.mjs';

const ufragOf = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];

describe('WebRtcPeerConnection', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  describe('SDP', () => {
    it('creates an offer and an answer as plain JSON and reaches "connected"', async () => {
      const { a, b } = makePair(client);
      a.createDataChannel('x');
      const offer = await a.createOffer();
      expect(offer.type).to.equal('offer');
      expect(offer.sdp).to.contain('m=application');
      expect(JSON.parse(JSON.stringify(offer))).to.deep.equal(offer);
      await a.setLocalDescription(offer);
      expect(a.signalingState).to.equal('have-local-offer');
      expect(a.localDescription?.type).to.equal('offer');
      await b.setRemoteDescription(offer);
      // Same offer (the local copy may since have gained candidates, so compare its credentials).
      expect(ufragOf(b.remoteDescription!.sdp)).to.equal(ufragOf(a.localDescription!.sdp));
      const answer = await b.createAnswer();
      expect(answer.type).to.equal('answer');
      await b.setLocalDescription(answer);
      await a.setRemoteDescription(answer);
      await waitFor(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
      expect(a.signalingState).to.equal('stable');
    });

    it('accepts a pranswer before the final answer', async () => {
      const { a, b } = makePair(client);
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      const answer = await b.createAnswer();
      if (isFirefox) {
        // Firefox has no pranswer: the engine reports it as an SdpError with Firefox's words.
        const error = await a.setRemoteDescription({ type: 'pranswer', sdp: answer.sdp }).then(
          () => null,
          (e) => e,
        );
        expect(error).to.be.instanceOf(SdpError);
        expect(error.message).to.contain('pranswer');
        expect(a.signalingState).to.equal('have-local-offer');
      } else {
        await a.setRemoteDescription({ type: 'pranswer', sdp: answer.sdp });
        expect(a.signalingState).to.equal('have-remote-pranswer');
      }
      await b.setLocalDescription(answer);
      await a.setRemoteDescription(answer);
      expect(a.signalingState).to.equal('stable');
    });

    it('rolls back a local offer', async () => {
      const { a } = makePair(client);
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      expect(a.signalingState).to.equal('have-local-offer');
      await a.setLocalDescription({ type: 'rollback', sdp: '' });
      expect(a.signalingState).to.equal('stable');
    });

    it('turns a bad SDP into SdpError with the browser message kept', async () => {
      const { a } = makePair(client);
      const error = await a.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\nthis is not sdp\r\n' }).then(
        () => null,
        (e) => e,
      );
      expect(error).to.be.instanceOf(SdpError);
      expect(error).to.be.instanceOf(WebRtcError);
      expect(error.code).to.equal('sdp');
      expect(error.message).to.contain('setRemoteDescription(offer) failed: ');
      expect(error.cause).to.be.ok;
      expect(error.message).to.contain((error.cause as Error).message);
    });

    it('rejects a description that is not a description, without touching the connection', async () => {
      const { a } = makePair(client);
      for (const bad of [
        null,
        {},
        { type: 'hello', sdp: '' },
        { type: 'offer', sdp: 42 },
        { type: 'offer', sdp: 'x'.repeat(300_000) },
      ]) {
        const error = await a.setRemoteDescription(bad as never).then(
          () => null,
          (e) => e,
        );
        expect(error, JSON.stringify(bad)?.slice(0, 40)).to.be.instanceOf(SdpError);
      }
      expect(a.signalingState).to.equal('stable');
    });
  });

  describe('ICE', () => {
    /**
     * An offer from `a` with its candidates gathered, and the offer's SDP without them (only candidates given apart can
     * connect).
     */
    async function offerAndCandidates(a: WebRtcPeerConnection) {
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      await a.awaitIceGatheringComplete();
      const sdp = a
        .localDescription!.sdp.split('\r\n')
        .filter((l) => !l.startsWith('a=candidate') && l !== 'a=end-of-candidates')
        .join('\r\n');
      return { candidates: [...a.iceCandidates.values], sdp };
    }

    async function answerAndConnect(a: WebRtcPeerConnection, b: WebRtcPeerConnection) {
      await b.setLocalDescription(await b.createAnswer());
      b.addEventListener('icecandidate', (e) => {
        const c = e.detail.candidate;
        if (c) void a.addIceCandidate(c);
      });
      for (const c of b.iceCandidates.values) await a.addIceCandidate(c);
      await a.setRemoteDescription(b.localDescription!);
      await waitFor(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    }

    it('buffers candidates that arrive before the remote description', async () => {
      const a = client.createPeerConnection();
      const b = client.createPeerConnection();
      const { sdp } = await offerAndCandidates(a);
      const candidates: IceCandidate[] = [];
      for await (const candidate of a.iceCandidates) {
        candidates.push(candidate);
        if (candidates.length === a.iceCandidates.values.length) break;
      }
      expect(candidates.length).to.be.greaterThan(0);
      // Candidates first, description later: nothing may be lost.
      for (const candidate of candidates) await b.addIceCandidate(candidate);
      await b.addIceCandidate(null);
      expect(b.pendingCandidateCount).to.equal(candidates.length + 1);
      // The offer without candidates: only the buffered ones can connect.
      await b.setRemoteDescription({ type: 'offer', sdp });
      expect(b.pendingCandidateCount).to.equal(0);
      await answerAndConnect(a, b);
    });

    it('hands candidates sent while the remote description is being set straight to the browser', async () => {
      const a = client.createPeerConnection();
      const b = client.createPeerConnection();
      const { candidates, sdp } = await offerAndCandidates(a);
      const setting = b.setRemoteDescription({ type: 'offer', sdp });
      const adding = candidates.map((c) => b.addIceCandidate(c));
      expect(b.pendingCandidateCount).to.equal(0);
      await setting;
      await Promise.all(adding);
      // Only these candidates can connect: the offer carried none.
      await answerAndConnect(a, b);
    });

    it('keeps candidates sent behind a remote description that fails, for the next one', async () => {
      const a = client.createPeerConnection();
      const b = client.createPeerConnection();
      const { candidates, sdp } = await offerAndCandidates(a);
      const refused = b.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\nthis is not sdp\r\n' }).then(
        () => null,
        (e) => e,
      );
      const adding = candidates.map((c) => b.addIceCandidate(c));
      expect(await refused).to.be.instanceOf(SdpError);
      await Promise.all(adding); // no error: nothing was wrong with the candidates
      expect(b.pendingCandidateCount).to.equal(candidates.length);
      await b.setRemoteDescription({ type: 'offer', sdp });
      expect(b.pendingCandidateCount).to.equal(0);
      await answerAndConnect(a, b);
    });

    it('replays gathered candidates to a late reader and fires icecandidate events', async () => {
      const a = client.createPeerConnection();
      const seen: Array<IceCandidate | null> = [];
      a.addEventListener('icecandidate', (e) => seen.push(e.detail.candidate));
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      await a.awaitIceGatheringComplete();
      expect(a.iceGatheringState).to.equal('complete');
      const live = seen.filter((c) => c !== null);
      expect(live.length).to.be.greaterThan(0);
      const replayed: IceCandidate[] = [];
      const iterator = a.iceCandidates[Symbol.asyncIterator]();
      for (let i = 0; i < live.length; i++) replayed.push((await iterator.next()).value);
      expect(replayed).to.deep.equal(live);
      expect(live[0].candidate).to.match(/^candidate:/);
      await a.awaitIceGatheringComplete(); // resolves at once when complete
    });

    it('iceCandidates is read-only: a reader can neither push, end nor edit what it replays', async () => {
      const a = client.createPeerConnection();
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      await a.awaitIceGatheringComplete();
      const stream = a.iceCandidates as unknown as Record<string, unknown>;
      expect([stream.push, stream.end]).to.deep.equal([undefined, undefined]);
      const kept = a.iceCandidates.values.length;
      (a.iceCandidates.values as IceCandidate[]).push({
        candidate: 'candidate:injected',
        sdpMid: '0',
        sdpMLineIndex: 0,
      });
      expect(a.iceCandidates.values.length).to.equal(kept);
      expect(a.iceCandidates.values.map((c) => c.candidate)).to.not.include('candidate:injected');
    });

    it('restarts ICE with new credentials and stays connected', async () => {
      const { a, b } = await connectedChannel();
      const before = ufragOf(a.localDescription!.sdp);
      const needed = nextEvent(a, 'negotiationneeded');
      a.restartIce();
      await needed;
      const offer = await a.createOffer();
      expect(ufragOf(offer.sdp)).to.not.equal(before);
      await a.setLocalDescription(offer);
      await b.setRemoteDescription(offer);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      expect(ufragOf(a.localDescription!.sdp)).to.not.equal(before);
      await waitFor(() => a.state === 'connected', CONNECT_MS, 'connected after restart');
    });

    it('turns a bad candidate into IceError', async () => {
      const { a, b } = makePair(client);
      a.createDataChannel('x');
      await negotiate(a, b);
      const error = await b.addIceCandidate({ candidate: 'candidate:garbage', sdpMid: '99', sdpMLineIndex: 7 }).then(
        () => null,
        (e) => e,
      );
      expect(error).to.be.instanceOf(IceError);
      expect(error.code).to.equal('ice');
      const malformed = await b.addIceCandidate({ candidate: 42 } as never).then(
        () => null,
        (e) => e,
      );
      expect(malformed).to.be.instanceOf(IceError);
    });
  });

  describe('state', () => {
    it('fires statechange, iceconnectionstatechange (to connected or completed), icegatheringstatechange and signalingstatechange', async () => {
      const { a, b } = makePair(client);
      const states: Record<string, string[]> = {
        statechange: [],
        iceconnectionstatechange: [],
        icegatheringstatechange: [],
        signalingstatechange: [],
      };
      for (const type of Object.keys(states))
        a.addEventListener(type, (e) => states[type].push((e as CustomEvent).detail.state));
      a.createDataChannel('x');
      await negotiate(a, b);
      await waitFor(
        () => a.state === 'connected' && ['connected', 'completed'].includes(a.iceConnectionState),
        CONNECT_MS,
        'connected',
      );
      await a.awaitIceGatheringComplete();
      expect(states.statechange).to.include('connected');
      expect(states.iceconnectionstatechange.some((s) => s === 'connected' || s === 'completed')).to.be.true;
      expect(states.icegatheringstatechange).to.include('complete');
      expect(states.signalingstatechange).to.deep.equal(['have-local-offer', 'stable']);
      // "completed" is reported when the browser reaches it (Firefox, after gathering ends).
      for (const s of states.iceconnectionstatechange) expect(['checking', 'connected', 'completed']).to.include(s);
      a.close();
      expect(states.statechange.at(-1)).to.equal('closed');
      expect(a.state).to.equal('closed');
      expect(a.iceConnectionState).to.equal('closed');
      expect(a.signalingState).to.equal('closed');
    });

    it('keeps negotiationneeded until someone listens', async () => {
      const a = client.createPeerConnection();
      a.createDataChannel('x');
      await sleep(SETTLE_MS); // the native event has fired by now
      const detail = await nextEvent(a, 'negotiationneeded', LOCAL_MS);
      expect(detail).to.deep.equal({});
    });

    it('keeps negotiationneeded for the next listener after a once listener and an aborted one', async () => {
      const { a, b } = makePair(client);
      a.createDataChannel('x');
      await nextEvent(a, 'negotiationneeded', LOCAL_MS); // a { once: true } listener: gone after this
      await negotiate(a, b);
      const stop = new AbortController();
      a.addEventListener('negotiationneeded', () => {}, { signal: stop.signal });
      stop.abort();
      a.addTrack(await client.createAudioTrack());
      // Nobody listens now: the event waits instead of going to listeners that left.
      await waitFor(() => a.isNegotiationNeeded, LOCAL_MS, 'negotiationneeded kept');
      expect(await nextEvent(a, 'negotiationneeded', LOCAL_MS)).to.deep.equal({});
    });
  });

  describe('stats', () => {
    it('reports one shape: numbers as numbers, timestamps in ms, a summary', async () => {
      const { a } = await connectedChannel();
      await waitFor(async () => (await a.getStatistics()).summary.rttMs !== undefined, ARRIVE_MS, 'rtt');
      const stats = await a.getStatistics();
      expect(stats.timestampMs).to.be.a('number');
      expect(Math.abs(stats.timestampMs - Date.now())).to.be.lessThan(60_000);
      expect(stats.entries.length).to.be.greaterThan(0);
      for (const entry of stats.entries) {
        expect(entry.id).to.be.a('string');
        expect(entry.type).to.be.a('string');
        expect(entry.timestampMs).to.be.a('number');
      }
      expect(stats.summary.rttMs).to.be.a('number').and.to.be.at.least(0);
      expect(stats.summary.bytesSent).to.be.a('number');
      expect(stats.summary.bytesReceived).to.be.a('number');
      expect(stats.summary.localCandidateType).to.equal('host');
      expect(stats.summary.relayed).to.equal(false);
    });

    it('counts the bytes that crossed the connection, in both browsers', async () => {
      const { a, local, remote } = await connectedChannel();
      await local.send(new Uint8Array(64 * 1024));
      await remote.receive();
      // The browsers update these counters on their own schedule: wait for them to show the bytes.
      await waitFor(
        async () => {
          const { summary } = await a.getStatistics();
          return summary.bytesSent >= 64 * 1024;
        },
        10000,
        'bytesSent counting the 64 KiB sent',
      );
      const { summary } = await a.getStatistics();
      expect(summary.bytesReceived).to.be.greaterThan(0);
    });

    it('fires a stats event every statsIntervalMs', async () => {
      const statsClient = new WebRtcClient({ defaultConnectionConfig: { statsIntervalMs: 100 } });
      try {
        const a = statsClient.createPeerConnection();
        const { statistics } = await nextEvent<{ statistics: { timestampMs: number } }>(a, 'stats', 3000);
        expect(statistics.timestampMs).to.be.a('number');
      } finally {
        statsClient.close();
      }
    });
  });

  describe('configuration', () => {
    it('a configuration the browser refuses is an IceError with its message, and nothing is left open', () => {
      const own = new WebRtcClient();
      try {
        for (const iceServers of [[{ urls: 'http://not-stun.example' }], [{ urls: 'turn:turn.example' }]]) {
          let error: unknown;
          try {
            own.createPeerConnection({ iceServers });
          } catch (e) {
            error = e;
          }
          expect(error).to.be.instanceOf(IceError);
          expect((error as IceError).reason).to.equal('bad-config');
          expect((error as IceError).message).to.match(/^The browser refused the iceServers: .+/);
          expect((error as IceError).cause).to.be.instanceOf(DOMException);
        }
        expect(own.openConnections.length).to.equal(0);
      } finally {
        own.close();
      }
    });
    it('bad size options are a RangeError naming the option, and leave no connection or channel behind', () => {
      const own = new WebRtcClient();
      try {
        expect(() => own.createPeerConnection({ dataChannelDefaults: { highWaterMark: NaN } })).to.throw(
          RangeError,
          /^highWaterMark must be a number >= 0, not NaN$/,
        );
        expect(() => own.createPeerConnection({ statsIntervalMs: '100' as never })).to.throw(
          RangeError,
          /^statsIntervalMs /,
        );
        expect(own.openConnections.length).to.equal(0);
        const a = own.createPeerConnection();
        for (const options of [
          { fragmentBytes: NaN },
          { receiveQueueBytes: -1 },
          { bufferedAmountLowThreshold: '1' as never },
        ]) {
          expect(() => a.createDataChannel('x', options), JSON.stringify(options)).to.throw(
            RangeError,
            / must be a number >= 0, not /,
          );
        }
        expect(a.dataChannels.length).to.equal(0);
        // Infinity is a number: no limit, on purpose.
        expect(a.createDataChannel('x', { highWaterMark: Infinity }).highWaterMark).to.equal(Infinity);
      } finally {
        own.close();
      }
    });
  });

  describe('lifetime', () => {
    it('closes idempotently and rejects use after close with ConnectionClosedError', async () => {
      const a = client.createPeerConnection();
      a.close();
      a.close();
      a[Symbol.dispose]();
      const error = await a.createOffer().then(
        () => null,
        (e) => e,
      );
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect(error?.code).to.equal('connection-closed');
      expect(() => a.createDataChannel('x')).to.throw(ConnectionClosedError);
    });

    it('a closed connection has no descriptions (null; Firefox threw, so a negotiation step still waiting failed unhandled)', async () => {
      const { a, b } = makePair(client);
      a.createDataChannel('x');
      await negotiate(a, b);
      a.close();
      expect([a.localDescription, a.remoteDescription]).to.deep.equal([null, null]);
    });

    it('opens and closes 50 connections and leaves none open', async () => {
      const natives: RTCPeerConnection[] = [];
      for (let i = 0; i < 25; i++) {
        const { a, b } = await connectedChannel(`c${i}`);
        natives.push(a.native, b.native);
        a.close();
        b.close();
      }
      expect(natives.length).to.equal(50);
      for (const native of natives) expect(native.connectionState).to.equal('closed');
    });

    it('client.close() closes every connection and track it made', async () => {
      const own = new WebRtcClient();
      const a = own.createPeerConnection();
      const b = own.createPeerConnection();
      const track = await own.createVideoTrack({ width: 160, height: 120 });
      expect(own.openConnections.length).to.equal(2);
      own.close();
      own.close();
      expect(a.isClosed && b.isClosed).to.be.true;
      expect(track.native.readyState).to.equal('ended');
      expect(own.openConnections.length).to.equal(0);
      expect(own.openTracks.length).to.equal(0);
      expect(() => own.createPeerConnection()).to.throw(WebRtcError);
    });

    it('exposes native objects', async () => {
      const { a, local } = await connectedChannel();
      expect(a.native).to.be.instanceOf(RTCPeerConnection);
      expect(local.native).to.be.instanceOf(RTCDataChannel);
    });
  });
});
