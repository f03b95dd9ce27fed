import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { signalingServerUrl, tapSend } from '../../test/browser/helpers.js';
import { ConfigError, createSignalerPair, type Signaler } from '../../src/index.js';
import { callPair, framesShown, until } from '../test-helpers.js';
import type { RtcCall } from './rtc-call.js';
import type { RtcDataChannel } from '../rtc-data-channel/rtc-data-channel.js';
import type { RtcVideo } from '../rtc-video/rtc-video.js';
import { parseIceServers } from './rtc-call.js';
import { CONNECT_MS, FRAMES_MS, LOCAL_MS, TEST_MS, REATTACH_MS, sleep } from '../../test/support/waits.mjs';

describe('<rtc-call>', () => {
  it('connects two calls over a signaler property and fires typed, bubbling, composed events', async () => {
    const seen: Event[] = [];
    const listener = (e: Event) => seen.push(e);
    document.addEventListener('rtc-statechange', listener);
    try {
      const [a, b] = await callPair(html`<rtc-data-channel label="x"></rtc-data-channel>`);
      await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
      const connected = seen.find((e) => (e as CustomEvent).detail.state === 'connected') as CustomEvent;
      expect(connected).to.be.ok;
      expect(connected.bubbles).to.be.true;
      expect(connected.composed).to.be.true;
      expect(a.connection).to.be.ok;
      expect(a.signalingSession?.remoteId).to.equal(b.signalingSession?.localId);
    } finally {
      document.removeEventListener('rtc-statechange', listener);
    }
  });

  it('sends camera and microphone and fires rtc-track on the other side', async () => {
    const [a, b] = await callPair(html``, { video: true, audio: true });
    await until(
      () => b.remoteStreams.length > 0 && b.remoteStreams[0].getTracks().length === 2,
      CONNECT_MS,
      'remote tracks',
    );
    expect(a.localStream?.getVideoTracks().length).to.equal(1);
    expect(a.localStream?.getAudioTracks().length).to.equal(1);
    expect(b.remoteStreams[0].getVideoTracks().length).to.equal(1);
  });

  it('works from the signaling attribute alone, through the real server', async () => {
    const url = await signalingServerUrl();
    const room = `call-${crypto.randomUUID()}`;
    const root = await fixture<HTMLElement>(
      html` <div>
        <rtc-call signaling=${url} room=${room}><rtc-data-channel label="chat"></rtc-data-channel></rtc-call>
        <rtc-call signaling=${url} room=${room}><rtc-data-channel label="chat"></rtc-data-channel></rtc-call>
      </div>`,
    );
    const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    const arrived = oneEvent(y, 'rtc-message');
    await x.send('via ws');
    expect((await arrived).detail.data).to.equal('via ws');
  });

  /**
   * A waiting call that sends video and a joiner that sends nothing, over an in-page pair with
   * presence: each end's one peer is in the room already, and "w" > "j" makes the joiner impolite.
   * `descriptions` lists what each side sent, as "side type".
   */
  async function receiveOnlyJoiner() {
    const [pw, pj] = createSignalerPair();
    const withPresence = (inner: Signaler, peerId: string, other: string): Signaler => ({
      peerId,
      peers: new Set([other]),
      send: (message) => inner.send(message),
      subscribe: (listener) => inner.subscribe(listener),
    });
    const [sw, sj] = [withPresence(pw, 'w', 'j'), withPresence(pj, 'j', 'w')];
    const descriptions: string[] = [];
    tapSend(sw, (m) => m.type === 'description' && descriptions.push(`waiting side ${m.description.type}`));
    tapSend(sj, (m) => m.type === 'description' && descriptions.push(`joiner ${m.description.type}`));
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-call id="w" video .signaler=${sw}><rtc-video remote></rtc-video></rtc-call>
        <rtc-call id="j" .signaler=${sj}><rtc-video remote></rtc-video></rtc-call>
      </div>`,
    );
    const [waiting, joiner] = [root.querySelector('#w') as RtcCall, root.querySelector('#j') as RtcCall];
    const videoOn = (call: RtcCall) => (call.querySelector('rtc-video') as RtcVideo).videoElement;
    await until(() => framesShown(videoOn(joiner)), FRAMES_MS, "the waiting side's video shown on the joiner");
    return { waiting, joiner, descriptions, videoOn };
  }

  // A raw page that only receives offers a recvonly transceiver: the call must not wait a hello
  // round trip for the other side's offer instead (the join bench's one-sided rows).
  it("a call that sends nothing, as the impolite side, gets the other's video on its own first offer and the answer", async function () {
    this.timeout(TEST_MS); // two calls connecting, then video frames
    const { descriptions } = await receiveOnlyJoiner();
    expect(descriptions).to.deep.equal(['joiner offer', 'waiting side answer']);
  });

  it('a call that only received turns its camera on: the other side shows it', async function () {
    this.timeout(TEST_MS); // two calls connecting, then video frames
    const { waiting, joiner, videoOn } = await receiveOnlyJoiner();
    joiner.video = true;
    await until(() => framesShown(videoOn(waiting)), FRAMES_MS, "the joiner's video shown on the waiting side");
    expect(waiting.remoteStreams[0]?.getVideoTracks().length).to.equal(1);
  });

  it('hang-up says bye: the other side gets rtc-close with the reason, then waits for the next peer', async () => {
    const [a, b] = await callPair(html`<rtc-data-channel label="x"></rtc-data-channel>`);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    const closed = oneEvent(b, 'rtc-close');
    a.hangUp('see you');
    expect((await closed).detail.reason).to.equal('see you');
    expect(a.state).to.equal('closed');
    expect(b.connection?.state).to.equal('new'); // a fresh connection, waiting in the room
  });

  it('removing the element closes its connection and stops its camera', async () => {
    const [a, b, root] = await callPair(html``, { video: true });
    await until(() => a.state === 'connected', CONNECT_MS, 'connected');
    const connection = a.connection!;
    const track = a.localStream!.getVideoTracks()[0];
    const closed = oneEvent(b, 'rtc-close');
    root.removeChild(a);
    await new Promise((r) => setTimeout(r, 0));
    expect(connection.state).to.equal('closed');
    expect(track.readyState).to.equal('ended');
    expect((await closed).detail.reason).to.equal('disconnected');
  });

  it('moving the element inside the page keeps the call', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="x"></rtc-data-channel>`);
    await until(() => a.state === 'connected', CONNECT_MS, 'connected');
    const connection = a.connection;
    root.append(a);
    await sleep(REATTACH_MS);
    // Compared by identity: a failed equal() on an object holding native ones would stall the runner serializing it.
    expect(a.connection === connection, 'the same connection').to.be.true;
    expect(a.state).to.equal('connected');
  });

  it('without a signaler, start() fires rtc-error with code "signaling"', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual></rtc-call>`);
    const error = oneEvent(call, 'rtc-error');
    await call.start();
    const { detail } = await error;
    expect(detail.code).to.equal('signaling');
    expect(detail.error.message).to.contain('signaling');
  });

  it('a missing camera is an rtc-error, and the call goes on without it', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual video></rtc-call>`);
    call.client = new (await import('../../src/index.js')).WebRtcClient({
      mediaDevices: {
        getUserMedia: () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError')),
      },
    });
    call.signaler = (await import('../../src/index.js')).createSignalerPair()[0];
    const error = oneEvent(call, 'rtc-error');
    void call.start();
    const { detail } = await error;
    expect(detail.code).to.equal('media-device');
    await until(() => !!call.connection, LOCAL_MS, 'a connection without media');
    call.client.close();
  });

  it('hanging up while a camera is being opened (start, switchDevice) leaves nothing open; starting again makes one connection', async () => {
    const { WebRtcClient, createSignalerPair } = await import('../../src/index.js');
    // A camera that answers late, as one behind a permission prompt does.
    const pending: Array<() => void> = [];
    const answer = () => {
      for (const resolve of pending.splice(0)) resolve();
    };
    let asked = 0;
    const client = new WebRtcClient({
      mediaDevices: {
        getUserMedia: async (constraints) => {
          asked++;
          await new Promise<void>((resolve) => pending.push(resolve));
          return navigator.mediaDevices.getUserMedia(constraints);
        },
        enumerateDevices: () => navigator.mediaDevices.enumerateDevices(),
      },
    });
    const call = await fixture<RtcCall>(html`<rtc-call manual video></rtc-call>`);
    call.client = client;
    call.signaler = createSignalerPair()[0];
    const errors: unknown[] = [];
    call.addEventListener('rtc-error', (e) => errors.push(e.detail));
    try {
      // Hung up before the camera answers: the camera is let go and no connection is made.
      const first = call.start();
      await until(() => asked === 1, LOCAL_MS, 'camera asked');
      call.hangUp();
      answer();
      await first;
      expect(client.openTracks.length).to.equal(0, 'camera tracks left open');
      expect(client.openConnections.length).to.equal(0, 'connections left open');
      // Hung up and started again while the first start still waits: only the second one counts.
      const second = call.start();
      await until(() => asked === 2, LOCAL_MS, 'camera asked again');
      call.hangUp();
      const third = call.start();
      await until(() => asked === 3, LOCAL_MS, 'camera asked a third time');
      answer();
      await Promise.all([second, third]);
      expect(client.openTracks.length).to.equal(1);
      expect(client.openConnections.length).to.equal(1);
      expect(call.localStream?.getVideoTracks()[0]?.readyState).to.equal('live');
      // Hung up while switching cameras: the new camera is let go too.
      const [camera] = await call.listDevices('videoinput');
      const switching = call.switchDevice('video', camera!.deviceId);
      await until(() => asked === 4, LOCAL_MS, 'camera asked to switch');
      call.hangUp();
      answer();
      await switching;
      expect(client.openTracks.length).to.equal(0);
      expect(client.openConnections.length).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      client.close();
    }
  });

  it('parses ice-servers as JSON or as URLs', () => {
    expect(parseIceServers('stun:a.example stun:b.example')).to.deep.equal([
      { urls: ['stun:a.example', 'stun:b.example'] },
    ]);
    expect(parseIceServers('[{"urls":"turn:t.example","username":"u","credential":"c"}]')).to.deep.equal([
      { urls: 'turn:t.example', username: 'u', credential: 'c' },
    ]);
    expect(parseIceServers('')).to.equal(undefined);
    for (const bad of ['[{"urls": "stun:a.example"', '[not json]', '[{"url": "stun:a.example"}]']) {
      expect(() => parseIceServers(bad))
        .to.throw(ConfigError, /ice-servers: not a list of/)
        .with.property('code', 'config');
    }
  });

  it('reports ice-servers the browser refuses as rtc-error with code ice', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual ice-servers="turn:turn.example"></rtc-call>`);
    call.signaler = { send() {}, subscribe: () => () => {} };
    const failed = oneEvent(call, 'rtc-error');
    void call.start();
    const { detail } = await failed;
    expect(detail.code).to.equal('ice');
    expect(detail.error.reason).to.equal('bad-config');
    call.hangUp();
  });

  it('a stats-interval that is no number is rtc-error code config, and the call still connects', async () => {
    const [sa, sb] = createSignalerPair();
    const calls = [sa, sb].map((signaler) => {
      const call = document.createElement('rtc-call');
      call.setAttribute('stats-interval', '1s');
      call.signaler = signaler;
      call.append(document.createElement('rtc-data-channel'));
      return call;
    });
    const failed = oneEvent(calls[0], 'rtc-error');
    document.body.append(...calls);
    try {
      const { detail } = await failed;
      expect(detail.code).to.equal('config');
      expect(detail.error.reason).to.equal('bad-config');
      expect(detail.error.message).to.equal('stats-interval must be ms >= 0, not 1s');
      await Promise.all(calls.map((c) => c.querySelector('rtc-data-channel')!.whenOpen()));
      await until(() => calls.every((c) => c.state === 'connected'), LOCAL_MS, 'connected');
    } finally {
      for (const call of calls) call.remove();
    }
  });

  it('changing what start() read (room, signaling, mesh…) during the call is rtc-error code config, reason after-start', async () => {
    const url = await signalingServerUrl();
    const call = await fixture<RtcCall>(
      html`<rtc-call signaling=${url} room=${`r-${crypto.randomUUID()}`}></rtc-call>`,
    );
    await call.start();
    const said: string[] = [];
    call.addEventListener('rtc-error', (e) => {
      said.push(`${e.detail.code} ${e.detail.error.reason}: ${e.detail.error.message}`);
    });
    call.room = 'elsewhere';
    call.setAttribute('ice-servers', 'stun:stun.example');
    call.mesh = true;
    await call.updateComplete;
    expect(said).to.deep.equal([
      'config after-start: Changing "room" has no effect until the next start',
      'config after-start: Changing "ice-servers" has no effect until the next start',
      'config after-start: Changing "mesh" has no effect until the next start',
    ]);
    // After a hang-up the next start reads them: no error.
    call.hangUp();
    call.mesh = false;
    call.room = 'again';
    await call.updateComplete;
    expect(said, said.join(' / ')).to.have.length(3);
    // With a signaler of its own the call has no room to keep: a room change says nothing.
    const [sa] = createSignalerPair();
    const given = await fixture<RtcCall>(html`<rtc-call .signaler=${sa}></rtc-call>`);
    await given.start();
    let errors = 0;
    given.addEventListener('rtc-error', () => errors++);
    given.room = 'ignored';
    await given.updateComplete;
    expect(errors).to.equal(0);
    given.hangUp();
  });

  it('is accessible', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual><button>Hang up</button></rtc-call>`);
    await expect(call).to.be.accessible();
  });
});
