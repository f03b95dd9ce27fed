import { expect } from '@open-wc/testing';
import {
  SignalingError,
  SignalingSession,
  WebRtcClient,
  createSignalerPair,
  type SignalMessage,
  type WebRtcDataChannel,
} from '../../src/index.js';
import { nextEvent, tapSend, waitFor } from './helpers.js';
import { prng } from '../support/prng.mjs';
import { FRAMES_MS, QUIET_MS, TEST_MS, sleep } from '../support/waits.mjs';

describe('fuzz: malformed signal messages against a live session', function () {
  this.timeout(TEST_MS);

  it('turns every bad message into a SignalingError, lets none escape, and keeps working', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: PromiseRejectionEvent) => unhandled.push(e.reason);
    const onError = (e: ErrorEvent) => unhandled.push(e.error);
    window.addEventListener('unhandledrejection', onUnhandled);
    window.addEventListener('error', onError);
    const client = new WebRtcClient();
    try {
      const [sa, sb] = createSignalerPair();
      const recorded: SignalMessage[] = [];
      tapSend(sa, (m) => recorded.push(m));
      const a = new SignalingSession(client.createPeerConnection(), sa);
      const b = new SignalingSession(client.createPeerConnection(), sb);
      const signalingErrors: SignalingError[] = [];
      const otherErrors: unknown[] = [];
      b.addEventListener('error', (e) => {
        const { error } = e.detail;
        if (error instanceof SignalingError) signalingErrors.push(error);
        else otherErrors.push(error);
      });
      const local = a.connection.createDataChannel('x');
      const remoteP = nextEvent<{ channel: WebRtcDataChannel }>(b.connection, 'datachannel');
      a.start();
      b.start();
      const remote = (await remoteP).channel;
      await local.whenOpen();

      const random = prng(42);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
      const junk = () =>
        Array.from({ length: Math.floor(random() * 30) }, () =>
          String.fromCharCode(Math.floor(random() * 0xd7ff)),
        ).join('');
      const from = a.localId;
      const realCandidate =
        recorded.find((m) => m.type === 'candidate' && m.candidate)?.type === 'candidate'
          ? (recorded.find((m) => m.type === 'candidate' && m.candidate) as { candidate: { candidate: string } })
              .candidate.candidate
          : 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
      const bad: Array<() => unknown> = [
        () => random() * 100,
        () => junk(),
        () => null,
        () => [junk()],
        () => ({}),
        () => ({ type: junk() + 'x', from }),
        () => ({ type: 'description', from }),
        () => ({ type: 'description', description: { type: pick(['offer', 'answer', junk()]), sdp: random() }, from }),
        () => ({ type: 'description', description: { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(300_000) }, from }),
        () => ({ type: 'candidate', from }),
        () => ({
          type: 'candidate',
          candidate: { candidate: realCandidate.slice(0, 3 + Math.floor(random() * 10)), sdpMid: '0' },
          from,
        }),
        () => ({ type: 'candidate', candidate: { candidate: realCandidate, sdpMid: 7, sdpMLineIndex: -1 }, from }),
        () => ({ type: 'bye', reason: { nested: true }, from }),
        () => ({ type: 'hello', from: '<script>alert(1)</script>' }),
      ];
      const realCandidates = recorded.filter((m) => m.type === 'candidate' && m.candidate !== null);
      let badCount = 0;
      let forOthers = 0;
      let replays = 0;
      for (let i = 0; i < 3000; i++) {
        const roll = random();
        if (roll < 0.8) {
          void sa.send(pick(bad)() as SignalMessage);
          badCount++;
        } else if (roll < 0.9) {
          // For another peer on a shared channel, or from a third peer (docs/PROTOCOL.md §4): ignored, no error.
          void sa.send(
            random() < 0.5
              ? { type: 'hello', from, to: 'someone-else' }
              : { type: 'candidate', candidate: null, from: 'intruder' },
          );
          forOthers++;
        } else {
          // Duplicated and reordered real messages (old candidates, old descriptions).
          const old = pick(realCandidates);
          if (old) {
            void sa.send(old);
            replays++;
          }
        }
        if (i % 200 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      // A truncated candidate can still look like one: the browser refuses it, and that is an IceError.
      const errorCount = () => signalingErrors.length + otherErrors.length;
      await waitFor(() => errorCount() >= badCount, FRAMES_MS, 'an error for every bad message').catch((e) => {
        throw new Error(
          `${e.message}: ${signalingErrors.length} + ${otherErrors.length} of ${badCount}; kinds: ${[...new Set(signalingErrors.map((x) => x.reason))]}`,
        );
      });
      await sleep(QUIET_MS);
      expect(errorCount()).to.be.within(badCount, badCount + replays);
      for (const error of otherErrors) expect((error as { code?: string }).code).to.be.oneOf(['ice', 'sdp']);
      expect(unhandled).to.deep.equal([]);
      expect(b.isClosed).to.be.false;
      // Still working: data flows, and a renegotiation from b opens a new channel.
      await local.send('after the storm');
      expect(await remote.receive()).to.equal('after the storm');
      const late = b.connection.createDataChannel('late');
      const camera = await client.createVideoTrack({ width: 160, height: 120 });
      const trackP = nextEvent(a.connection, 'track');
      b.connection.addTrack(camera);
      await trackP;
      await late.whenOpen();
      console.log(
        `fuzz: ${badCount} bad, ${forOthers} for other peers, ${replays} replays; ${otherErrors.length} engine errors from replays`,
      );
    } finally {
      client.close();
      window.removeEventListener('unhandledrejection', onUnhandled);
      window.removeEventListener('error', onError);
    }
  });
});
