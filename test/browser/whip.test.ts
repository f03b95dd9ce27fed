import { expect, fixture, html } from '@open-wc/testing';
import { SignalingSession, WebRtcClient, WhipSignaler, parseIceServerLinks } from '../../src/index.js';
import '../../components/define.js';
import type { RtcCall } from '../../components/rtc-call/rtc-call.js';
import type { RtcVideo } from '../../components/rtc-video/rtc-video.js';
import { nextEvent, waitFor } from './helpers.js';
import { AFTER_CONNECT_MS, ARRIVE_MS, FRAMES_MS, LOCAL_MS, TEST_MS, sleep } from '../support/waits.mjs';

interface Logged {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
const endpoint = async (): Promise<{ base: string; token: string }> => (await fetch('/__whip.json')).json();
const serverLog = async (): Promise<{ log: Logged[]; received: { audio: number; video: number } }> =>
  (await fetch('/__whip/log')).json();
/** Frames played back through the werift media server (it relays what the publisher sends). */
const WHEP_FRAMES_MS = 40_000;
const stream = () => `s${crypto.randomUUID().slice(0, 8)}`;
const signalerOf = (call: RtcCall) => call.signalingSession!.signaler as WhipSignaler;

describe('WHIP / WHEP', function () {
  this.timeout(TEST_MS);

  it('parses Link: rel="ice-server" headers', () => {
    expect(
      parseIceServerLinks(
        '<stun:a.example>; rel="ice-server", <turn:b.example?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password", <https://x>; rel="other"',
      ),
    ).to.deep.equal([
      { urls: 'stun:a.example' },
      { urls: 'turn:b.example?transport=udp', username: 'u', credential: 'p' },
    ]);
  });

  it('publishes with WHIP: POST application/sdp with a bearer token, 201 answer, trickle PATCH with If-Match, ICE restart with If-Match: *, DELETE', async () => {
    const { base, token } = await endpoint();
    const name = stream();
    const client = new WebRtcClient();
    try {
      const signaler = new WhipSignaler(`${base}/whip/${name}`, { token });
      const connection = client.createPeerConnection();
      connection.addTrack(await client.createVideoTrack({ width: 320, height: 240 }));
      const session = new SignalingSession(connection, signaler, { polite: false });
      const errors: unknown[] = [];
      session.addEventListener('error', (e) => errors.push(e.detail.error));
      session.start();
      await waitFor(() => connection.state === 'connected', FRAMES_MS, 'connected to the media server');
      await waitFor(async () => (await serverLog()).received.video > 20, FRAMES_MS, 'RTP at the media server');
      expect(signaler.resource).to.match(/\/resource\//);
      expect(signaler.iceServers).to.deep.equal([
        { urls: 'stun:127.0.0.1:3478' },
        { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'user', credential: 'pass' },
      ]);
      const mine = (await serverLog()).log.filter(
        (l) => l.path === `/whip/${name}` || l.path === new URL(signaler.resource!).pathname,
      );
      const post = mine.find((l) => l.method === 'POST')!;
      expect(post.headers['content-type']).to.equal('application/sdp');
      expect(post.headers.authorization).to.equal(`Bearer ${token}`);
      expect(post.body).to.match(/^v=0/);
      const patches = mine.filter((l) => l.method === 'PATCH');
      for (const patch of patches) {
        expect(patch.headers['content-type']).to.equal('application/trickle-ice-sdpfrag');
        expect(patch.headers['if-match']).to.match(/^"/);
        expect(patch.body).to.match(/^a=ice-ufrag:\S+\r\na=ice-pwd:\S+\r\nm=/);
      }
      // ICE restart.
      const before = /a=ice-ufrag:(\S+)/.exec(connection.localDescription!.sdp)![1];
      session.restartIce('test');
      await waitFor(
        async () => (await serverLog()).log.some((l) => l.method === 'PATCH' && l.headers['if-match'] === '*'),
        ARRIVE_MS,
        'restart PATCH',
      ).catch(async (e) => {
        throw new Error(
          `${e.message}: ${JSON.stringify((await serverLog()).log.slice(-6).map((l) => [l.method, l.path, l.headers['if-match'], l.body.slice(0, 60)]))} ${connection.signalingState}`,
        );
      });
      const restart = (await serverLog()).log.find((l) => l.method === 'PATCH' && l.headers['if-match'] === '*')!;
      const ufrag = /a=ice-ufrag:(\S+)/.exec(restart.body)![1];
      expect(ufrag).to.not.equal(before);
      await waitFor(() => connection.signalingState === 'stable', ARRIVE_MS, 'restart answer applied');
      expect(errors).to.deep.equal([]);
      // End: DELETE.
      session.hangUp();
      await waitFor(
        async () =>
          (await serverLog()).log.some(
            (l) => l.method === 'DELETE' && l.path === new URL(signaler.resource ?? 'http://x/none').pathname,
          ) || signaler.resource === null,
        LOCAL_MS,
        'DELETE',
      );
      await waitFor(async () => (await serverLog()).log.some((l) => l.method === 'DELETE'), LOCAL_MS, 'DELETE logged');
    } finally {
      client.close();
    }
  });

  it('a bad token is refused with a SignalingError (HTTP 401)', async () => {
    const { base } = await endpoint();
    const client = new WebRtcClient();
    try {
      const connection = client.createPeerConnection();
      connection.addTrack(await client.createVideoTrack({ width: 160, height: 120 }));
      const session = new SignalingSession(
        connection,
        new WhipSignaler(`${base}/whip/${stream()}`, { token: 'wrong' }),
        { polite: false },
      );
      const error = nextEvent<{ error: { code: string; reason: string } }>(session, 'error');
      session.start();
      const { error: e } = await error;
      expect(e.code).to.equal('signaling');
      expect(e.reason).to.equal('http-401');
    } finally {
      client.close();
    }
  });

  it('<rtc-call signaling="whip+…"> publishes and <rtc-video> plays the WHEP stream', async () => {
    const { base, token } = await endpoint();
    const name = stream();
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-call id="pub" signaling=${`whip+${base}/whip/${name}`} token=${token} video></rtc-call>
        <rtc-call id="play" signaling=${`whep+${base}/whep/${name}`} token=${token}
          ><rtc-video remote></rtc-video
        ></rtc-call>
      </div>`,
    );
    const play = root.querySelector('#play') as RtcCall;
    const video = play.querySelector('rtc-video') as RtcVideo;
    await waitFor(
      () => !!video.videoElement && video.videoElement.videoWidth > 0 && video.videoElement.currentTime > 0,
      WHEP_FRAMES_MS,
      'WHEP frames',
    );
    expect((root.querySelector('#pub') as RtcCall).state).to.equal('connected');
  });

  it('<rtc-call signaling="whip+…"> does not restart ICE for the ICE servers the endpoint offers', async () => {
    const { base, token } = await endpoint();
    const name = stream();
    const call = await fixture<RtcCall>(
      html`<rtc-call signaling=${`whip+${base}/whip/${name}`} token=${token} video></rtc-call>`,
    );
    try {
      await waitFor(() => call.state === 'connected', FRAMES_MS, 'connected to the media server');
      await sleep(AFTER_CONNECT_MS);
      const restarts = (await serverLog()).log.filter(
        (l) =>
          l.path === new URL(signalerOf(call).resource ?? 'http://x/none').pathname && l.headers['if-match'] === '*',
      );
      expect(restarts.map((l) => l.body.slice(0, 40))).to.deep.equal([]);
    } finally {
      call.hangUp();
    }
  });

  it('<rtc-call signaling="whip+…"> uses the endpoint\'s ICE servers at its next ICE restart', async () => {
    const { base, token } = await endpoint();
    const call = await fixture<RtcCall>(
      html`<rtc-call signaling=${`whip+${base}/whip/${stream()}`} token=${token} video></rtc-call>`,
    );
    const servers = () => JSON.stringify(call.connection?.native.getConfiguration().iceServers ?? []);
    try {
      await waitFor(() => call.state === 'connected', FRAMES_MS, 'connected to the media server');
      expect(signalerOf(call).iceServers.length, "the endpoint's Link headers").to.equal(2);
      const restarted = nextEvent(call, 'rtc-reconnected');
      call.signalingSession!.restartIce('test');
      await restarted;
      expect(servers()).to.include('turn:127.0.0.1:3478?transport=udp').and.include('"username":"user"');
      expect(servers()).to.include('stun:127.0.0.1:3478');
      expect(call.state).to.equal('connected');
    } finally {
      call.hangUp();
    }
  });

  it('a renegotiation (a track added later) is a SignalingError (reason unsupported), not sent as an ICE restart', async () => {
    const { base, token } = await endpoint();
    const client = new WebRtcClient();
    try {
      const connection = client.createPeerConnection();
      connection.addTrack(await client.createVideoTrack({ width: 160, height: 120 }));
      const signaler = new WhipSignaler(`${base}/whip/${stream()}`, { token });
      const session = new SignalingSession(connection, signaler, { polite: false });
      session.start();
      await waitFor(() => connection.state === 'connected', FRAMES_MS, 'connected to the media server');
      const error = nextEvent<{ error: { code: string; reason: string } }>(session, 'error');
      connection.addTrack(await client.createAudioTrack());
      const { error: e } = await error;
      expect([e.code, e.reason]).to.deep.equal(['signaling', 'unsupported']);
      const resource = new URL(signaler.resource!).pathname;
      const restarts = (await serverLog()).log.filter((l) => l.path === resource && l.headers['if-match'] === '*');
      expect(restarts).to.have.length(0);
    } finally {
      client.close();
    }
  });
});
