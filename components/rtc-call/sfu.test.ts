import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { framesShown, until } from '../test-helpers.js';
import { ARRIVE_MS } from '../../test/support/waits.mjs';
import { WebRtcClient, type WebRtcPeerConnection } from '../../src/index.js';
import type { RtcCall } from './rtc-call.js';
import type { RtcVideo } from '../rtc-video/rtc-video.js';
import type { RtcDataChannel } from '../rtc-data-channel/rtc-data-channel.js';

/** How long a room of a few calls may take to show everyone (Janus subscribes each newcomer in turn). */
const ROOM_MS = 30000;
/** How long a layer switch may take to show (Janus waits for a keyframe of the new layer). */
const LAYER_MS = 15000;
/**
 * Between two switches: Janus switches when the layer's next keyframe comes, and asks the sender for
 * one; Chromium does not answer a request that follows the previous one too closely.
 */
const SETTLE_MS = 2000;

let janusUrl = '';
before(async () => {
  janusUrl = (await (await fetch('/__janus.json')).json()).url;
});

/** `count` `<rtc-call sfu="janus">` in one fresh Janus room, each with its own `data-rtc-videos` box. */
async function sfuCalls(count: number, attrs = '', inner = ''): Promise<{ root: HTMLElement; calls: RtcCall[] }> {
  const room = `sfu-${crypto.randomUUID()}`;
  const root = await fixture<HTMLElement>(html`<div></div>`);
  // Built as markup so that each call's attributes are there before it starts.
  root.innerHTML = Array.from(
    { length: count },
    () =>
      `<rtc-call sfu="janus" video ${attrs} signaling="${janusUrl}" room="${room}">${inner}<div data-rtc-videos></div></rtc-call>`,
  ).join('');
  return { root, calls: [...root.querySelectorAll('rtc-call')] as RtcCall[] };
}

/** The remote videos a call shows, and how many of them decode frames. */
const remoteVideos = (call: RtcCall) => [...call.querySelectorAll('[data-rtc-videos] rtc-video[remote]')] as RtcVideo[];
const playing = (call: RtcCall) => remoteVideos(call).filter((v) => framesShown(v.videoElement)).length;
/** Whether a `<rtc-video>` shows its placeholder (no live, unmuted video). */
const placeholderShown = (video: RtcVideo) => !!video.shadowRoot?.querySelector('[part="placeholder"]');

/** Every `type` event `target` fires from now on, as its detail. */
function collect<T = { data: unknown; peer?: string; kind?: string }>(target: EventTarget, type: string): T[] {
  const seen: T[] = [];
  target.addEventListener(type, (e) => seen.push((e as CustomEvent<T>).detail));
  return seen;
}

/** One more `<rtc-call sfu="janus">` in the room of `calls`, appended to `root`. */
function joinRoom(root: HTMLElement, like: RtcCall, inner = ''): RtcCall {
  const holder = document.createElement('div');
  holder.innerHTML = `<rtc-call sfu="janus" video signaling="${janusUrl}" room="${like.room}">${inner}<div data-rtc-videos></div></rtc-call>`;
  const call = holder.firstElementChild as RtcCall;
  root.append(call);
  return call;
}

/**
 * Joins one more call, keeping the (real) connections it makes, once `ready()`: a test ends one of them, as Janus sees
 * a dead connection end.
 */
async function joinKeepingConnections(
  root: HTMLElement,
  like: RtcCall,
  inner: string,
  ready: (late: RtcCall) => boolean,
): Promise<{ late: RtcCall; made: RTCPeerConnection[]; engines: WebRtcPeerConnection[] }> {
  const made: RTCPeerConnection[] = [];
  const engines: WebRtcPeerConnection[] = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      made.push(this);
    }
  };
  const { createPeerConnection } = WebRtcClient.prototype;
  WebRtcClient.prototype.createPeerConnection = function (this: WebRtcClient, ...args) {
    const connection = createPeerConnection.apply(this, args);
    engines.push(connection);
    return connection;
  };
  try {
    const late = joinRoom(root, like, inner);
    await until(() => ready(late), ROOM_MS, 'the newcomer in the room');
    return { late, made, engines };
  } finally {
    window.RTCPeerConnection = Native;
    WebRtcClient.prototype.createPeerConnection = createPeerConnection;
  }
}

/**
 * Two calls with a "chat" channel, media flowing, then a third joining whose connections are kept (see
 * `joinKeepingConnections`), once everyone plays everyone.
 */
async function chatRoomKeepingConnections() {
  const chat = '<rtc-data-channel label="chat"></rtc-data-channel>';
  const { root, calls } = await sfuCalls(2, '', chat);
  await until(() => calls.every((c) => playing(c) === 1), ROOM_MS, 'media flowing');
  const kept = await joinKeepingConnections(root, calls[0]!, chat, () => calls.every((c) => playing(c) === 2));
  return { calls, ...kept };
}

describe('<rtc-call sfu="janus">', function () {
  this.timeout(90000);

  it("shows every other participant's video, and takes away the video of one who leaves", async () => {
    const { calls } = await sfuCalls(3);
    await until(
      () => calls.every((c) => remoteVideos(c).length === 2 && playing(c) === 2),
      ROOM_MS,
      'two playing remote videos in each call',
    );
    expect(calls[0].peers).to.have.length(2);
    calls[2].hangUp();
    await until(() => calls.slice(0, 2).every((c) => remoteVideos(c).length === 1), ROOM_MS, "the leaver's video gone");
    expect(playing(calls[0])).to.equal(1);
    for (const call of calls) call.hangUp();
  });

  it('a channel message reaches every other participant, naming its sender', async () => {
    const { calls } = await sfuCalls(3, '', '<rtc-data-channel label="chat"></rtc-data-channel>');
    const channels = calls.map((c) => c.querySelector('rtc-data-channel') as RtcDataChannel);
    // Janus opens a participant's channel to the others with their first message: ours to Janus must be open, and media
    // flowing.
    await until(
      () => channels.every((c) => c.state === 'open') && calls.every((c) => playing(c) === 2),
      ROOM_MS,
      'channels open and media flowing',
    );
    const received = channels
      .slice(1)
      .map(
        (c) =>
          new Promise<CustomEvent>((resolve) =>
            c.addEventListener('rtc-message', (e) => resolve(e as CustomEvent), { once: true }),
          ),
      );
    await channels[0].send('to everyone');
    const [atB, atC] = await Promise.all(received);
    expect(atB.detail.data).to.equal('to everyone');
    expect(atC.detail.data).to.equal('to everyone');
    expect(atB.detail.peer).to.equal(atC.detail.peer, 'both name the same sender');
    expect(calls[1].peers).to.include(atB.detail.peer);
    for (const call of calls) call.hangUp();
  });

  it('a viewer picks a simulcast layer with <rtc-video quality>: low shows a smaller picture, high the full one', async () => {
    const { calls } = await sfuCalls(2, 'simulcast');
    const [sender, viewer] = calls;
    await until(() => playing(viewer) === 1, ROOM_MS, "the sender's video");
    const video = () => remoteVideos(viewer)[0]!.videoElement!;
    const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    await until(() => video().videoWidth === 640, LAYER_MS, 'the full size first (640 wide)');
    await settle();
    remoteVideos(viewer)[0]!.setAttribute('quality', 'low');
    await until(() => video().videoWidth === 320, LAYER_MS, `the half size (${video().videoWidth} wide)`);
    await settle();
    remoteVideos(viewer)[0]!.setAttribute('quality', 'high');
    await until(() => video().videoWidth === 640, LAYER_MS, `the full size again (${video().videoWidth} wide)`);
    sender.hangUp();
    viewer.hangUp();
  });

  it('a participant mutes their video: the others get rtc-mute for it and show its placeholder', async () => {
    const { calls } = await sfuCalls(2);
    const [muter, viewer] = calls;
    await until(() => playing(viewer) === 1, ROOM_MS, "the muter's video");
    const mutes = collect(viewer, 'rtc-mute');
    muter.setMuted('video', true);
    await until(() => mutes.length > 0, ARRIVE_MS, 'rtc-mute at the viewer');
    expect(mutes.map((m) => m.kind)).to.deep.equal(['video']);
    await until(() => placeholderShown(remoteVideos(viewer)[0]!), ARRIVE_MS, "the muter's placeholder");
    for (const call of calls) call.hangUp();
  });

  it('a participant unmutes their audio: the others get rtc-unmute for it', async () => {
    const { calls } = await sfuCalls(2, 'audio');
    const [muter, viewer] = calls;
    await until(() => playing(viewer) === 1, ROOM_MS, "the muter's video");
    const mutes = collect(viewer, 'rtc-mute');
    const unmutes = collect(viewer, 'rtc-unmute');
    muter.setMuted('audio', true);
    await until(() => mutes.length > 0, ARRIVE_MS, 'rtc-mute at the viewer');
    muter.setMuted('audio', false);
    await until(() => unmutes.length > 0, ARRIVE_MS, 'rtc-unmute at the viewer');
    expect(unmutes.map((m) => m.kind)).to.deep.equal(['audio']);
    expect(viewer.isRemoteMuted((unmutes[0] as unknown as { track: { native: MediaStreamTrack } }).track.native)).to.be
      .false;
    for (const call of calls) call.hangUp();
  });

  it('a participant who joins later sees the mute of one already in', async () => {
    const { root, calls } = await sfuCalls(2);
    const [muter, other] = calls;
    await until(() => playing(other) === 1, ROOM_MS, "the muter's video");
    muter.setMuted('video', true);
    const late = joinRoom(root, muter);
    const mutes = collect(late, 'rtc-mute');
    await until(() => remoteVideos(late).length === 2, ROOM_MS, 'both videos at the late joiner');
    await until(() => mutes.length > 0, ROOM_MS, 'rtc-mute at the late joiner');
    // The one participant the other sees is the muter.
    const mutedVideo = remoteVideos(late).find((v) => v.getAttribute('peer') === other.peers[0]);
    expect(mutes.map((m) => m.kind)).to.deep.equal(['video']);
    expect(mutedVideo, "the muter's <rtc-video>").to.exist;
    await until(() => placeholderShown(mutedVideo!), ARRIVE_MS, "the muter's placeholder at the late joiner");
    for (const call of [...calls, late]) call.hangUp();
  });

  it('the first message of one who just joined reaches those already in', async () => {
    const chat = '<rtc-data-channel label="chat"></rtc-data-channel>';
    const { root, calls } = await sfuCalls(2, '', chat);
    await until(() => calls.every((c) => playing(c) === 1), ROOM_MS, 'media flowing');
    const received = calls.map((c) => collect(c.querySelector('rtc-data-channel')!, 'rtc-message'));
    const late = joinRoom(root, calls[0]!, chat);
    // At once: before anyone has subscribed to the newcomer.
    const sent = (late.querySelector('rtc-data-channel') as RtcDataChannel).send('first');
    await until(() => received.every((r) => r.length > 0), ROOM_MS, 'the first message at both');
    await sent;
    expect(received.map((r) => r.map((m) => m.data))).to.deep.equal([['first'], ['first']]);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('when Janus hangs up the connection that receives everyone, the call subscribes again: every video plays on', async () => {
    const { root, calls } = await sfuCalls(2);
    await until(() => calls.every((c) => playing(c) === 1), ROOM_MS, 'media flowing');
    const { late, made } = await joinKeepingConnections(root, calls[0]!, '', (call) => playing(call) === 2);
    const videoTracks = () => late.peers.flatMap((peer) => late.streamForPeer(peer)?.getVideoTracks() ?? []);
    const before = videoTracks();
    const receiving = made.find((pc) => pc.remoteDescription?.type === 'offer')!;
    receiving.close(); // DTLS says so to Janus, which hangs the connection up
    await until(
      () => videoTracks().length === 2 && videoTracks().every((t) => t.readyState === 'live' && !before.includes(t)),
      ROOM_MS,
      "everyone's video again, on a new connection",
    );
    // A new frame painted in each video (a video on a stream whose track ended paints none).
    const painted = remoteVideos(late).map(() => false);
    remoteVideos(late).forEach((v, i) => v.videoElement!.requestVideoFrameCallback(() => (painted[i] = true)));
    await until(() => painted.every(Boolean), ROOM_MS, 'frames painted again');
    expect(remoteVideos(late)).to.have.length(2);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('when Janus hangs up the connection that sends our media, the call publishes again: the others see it and hear it at once', async () => {
    const { calls, late, made } = await chatRoomKeepingConnections();
    const before = calls.map((c) => remoteVideos(c).map((v) => v.videoElement!.srcObject));
    const sending = made.find((pc) => pc.localDescription?.type === 'offer')!;
    sending.close(); // DTLS says so to Janus, which hangs the connection up
    // Its video goes at the others, and comes back on a new stream.
    await until(
      () =>
        calls.every(
          (c, i) => playing(c) === 2 && remoteVideos(c).some((v) => !before[i]!.includes(v.videoElement!.srcObject)),
        ),
      ROOM_MS,
      "the newcomer's video again at the others",
    );
    const received = collect(calls[0]!.querySelector('rtc-data-channel')!, 'rtc-message');
    // Not held for the 15 s a participant who never says they hear it gets: the others say so once it reaches them.
    const sent = (late.querySelector('rtc-data-channel') as RtcDataChannel).send('back');
    await until(() => received.length > 0, ARRIVE_MS, 'its message at the others');
    await sent;
    expect(received.map((m) => m.data)).to.deep.equal(['back']);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('a message not yet sent when the sending connection ends goes up the next one: the others get it, and no error', async () => {
    const { calls, late, engines } = await chatRoomKeepingConnections();
    const received = collect(calls[0]!.querySelector('rtc-data-channel')!, 'rtc-message');
    const errors = collect(late, 'rtc-error');
    const sending = engines.find((pc) => pc.native.localDescription?.type === 'offer')!;
    // Sent on the open channel, and in the same task the call lets go of its connection (as when its ICE restarts
    // gave up): the message is still ours, not the browser's.
    const during = (late.querySelector('rtc-data-channel') as RtcDataChannel).send('during');
    sending.close();
    await during;
    await until(() => received.length > 0, ROOM_MS, 'its message at the others');
    expect(received.map((m) => m.data)).to.deep.equal(['during']);
    expect(errors).to.deep.equal([]);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('a message sent after the sending connection ended, before the next one, goes up the next one (not to the channels that only receive)', async () => {
    const { calls, late, engines } = await chatRoomKeepingConnections();
    const lateChannel = late.querySelector('rtc-data-channel') as RtcDataChannel;
    // The newcomer gets a message: it now has a channel from that participant, which only receives.
    const first = collect(lateChannel, 'rtc-message');
    await (calls[0]!.querySelector('rtc-data-channel') as RtcDataChannel).send('hi');
    await until(() => first.length > 0, ROOM_MS, 'the first message at the newcomer');
    const received = collect(calls[0]!.querySelector('rtc-data-channel')!, 'rtc-message');
    engines.find((pc) => pc.native.localDescription?.type === 'offer')!.close();
    await lateChannel.send('after');
    await until(() => received.length > 0, ROOM_MS, 'its message at the others');
    expect(received.map((m) => m.data)).to.deep.equal(['after']);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('a message sent while one who joined is still connecting their receiving side reaches them', async () => {
    const chat = '<rtc-data-channel label="chat"></rtc-data-channel>';
    const { root, calls } = await sfuCalls(2, '', chat);
    await until(() => calls.every((c) => playing(c) === 1), ROOM_MS, 'media flowing');
    const late = joinRoom(root, calls[0]!, chat);
    const received = collect(late.querySelector('rtc-data-channel')!, 'rtc-message');
    let sent: Promise<void> | undefined;
    late.addEventListener('rtc-statechange', (e) => {
      const { state, peer } = (e as CustomEvent<{ state: string; peer?: string }>).detail;
      // In the room, and its connection for everyone's media still coming up.
      if (peer === 'janus-feeds' && state === 'connecting')
        sent ??= (calls[0]!.querySelector('rtc-data-channel') as RtcDataChannel).send('welcome');
    });
    await until(() => received.length > 0, ROOM_MS, 'the message at the newcomer');
    await sent;
    expect(received.map((m) => m.data)).to.deep.equal(['welcome']);
    for (const call of [...calls, late]) call.hangUp();
  });

  it('a message sent while one of the others connects their receiving side again reaches them', async () => {
    const { calls, late, made } = await chatRoomKeepingConnections();
    const sender = calls[0]!.querySelector('rtc-data-channel') as RtcDataChannel;
    const lateChannel = late.querySelector('rtc-data-channel') as RtcDataChannel;
    const received = collect(lateChannel, 'rtc-message');
    // The newcomer hears the sender (and says so) before its receiving connection goes.
    await sender.send('before');
    await until(() => received.length === 1, ROOM_MS, 'the first message at the newcomer');
    const atSender = collect(sender, 'rtc-message');
    let resent: Promise<void> | undefined;
    late.addEventListener('rtc-statechange', (e) => {
      const { state, peer } = (e as CustomEvent<{ state: string; peer?: string }>).detail;
      // Its new connection for everyone's media is coming up: a message of its own reaches the others meanwhile.
      if (peer === 'janus-feeds' && state === 'connecting') resent ??= lateChannel.send('reconnecting');
    });
    made.find((pc) => pc.remoteDescription?.type === 'offer')!.close(); // Janus hangs it up, the call subscribes again
    await until(() => atSender.length > 0, ROOM_MS, "the newcomer's message at the sender");
    await resent;
    // Sent once the others know the newcomer is connecting again (its word came before that message).
    await sender.send('during');
    await until(() => received.length === 2, ROOM_MS, 'the message at the newcomer, on its new connection');
    expect(received.map((m) => m.data)).to.deep.equal(['before', 'during']);
    for (const call of [...calls, late]) call.hangUp();
  });

  it("two <rtc-data-channel> of different labels: each gets only its own label's messages", async () => {
    const { calls } = await sfuCalls(
      2,
      '',
      '<rtc-data-channel label="chat"></rtc-data-channel><rtc-data-channel label="game"></rtc-data-channel>',
    );
    const [from, to] = calls.map((c) => [...c.querySelectorAll('rtc-data-channel')] as RtcDataChannel[]);
    await until(() => calls.every((c) => playing(c) === 1), ROOM_MS, 'media flowing');
    const atChat = collect(to![0]!, 'rtc-message');
    const atGame = collect(to![1]!, 'rtc-message');
    await from![1]!.send(new TextEncoder().encode('move'));
    await from![0]!.send('hello');
    await until(() => atChat.length > 0 && atGame.length > 0, ARRIVE_MS, 'a message at each label');
    expect(atChat.map((m) => m.data)).to.deep.equal(['hello']);
    expect(atGame.map((m) => new TextDecoder().decode(m.data as Uint8Array))).to.deep.equal(['move']);
    expect(atGame[0]!.peer).to.equal(atChat[0]!.peer);
    for (const call of calls) call.hangUp();
  });

  it('an sfu other than janus is an rtc-error "config"', async () => {
    const root = await fixture<HTMLElement>(html`<div></div>`);
    const call = document.createElement('rtc-call') as RtcCall;
    call.setAttribute('sfu', 'mediasoup');
    call.setAttribute('signaling', janusUrl);
    const failed = oneEvent(call, 'rtc-error');
    root.append(call);
    expect((await failed).detail.code).to.equal('config');
    call.hangUp();
  });

  it('a Janus that cannot be reached is an rtc-error "signaling"', async () => {
    const root = await fixture<HTMLElement>(html`<div></div>`);
    const call = document.createElement('rtc-call') as RtcCall;
    call.setAttribute('sfu', 'janus');
    call.setAttribute('signaling', 'ws://127.0.0.1:9');
    const failed = oneEvent(call, 'rtc-error');
    root.append(call);
    const { detail } = await failed;
    expect(detail.code).to.equal('signaling');
    expect(detail.error.reason).to.equal('unreachable');
    call.hangUp();
  });

  it('a quality that is not low or high is an rtc-error', async () => {
    const { calls } = await sfuCalls(2);
    await until(() => playing(calls[1]) === 1, ROOM_MS, "the other's video");
    const failed = oneEvent(calls[1], 'rtc-error');
    remoteVideos(calls[1])[0]!.setAttribute('quality', 'best');
    expect((await failed).detail.code).to.equal('config');
    for (const call of calls) call.hangUp();
  });
});
