// Beyond Ktor: remote mute, device switching, screen sharing, stats and diagnostics, several
// channels and file transfer, in real Chromium and Firefox over real connections.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { WebRtcClient, createSignalerPair } from '../../src/index.js';
import { callPair, clientWithCanvasScreen, framesShown, manualPair, muteSeen, until } from '../test-helpers.js';
import type { RtcCall } from './rtc-call.js';
import type { RtcDataChannel } from '../rtc-data-channel/rtc-data-channel.js';
import type { RtcVideo } from '../rtc-video/rtc-video.js';
import {
  ARRIVE_MS,
  CONNECT_MS,
  FRAMES_MS,
  LOCAL_MS,
  SETTLE_MS,
  TEST_MS,
  orAfter,
  sleep,
} from '../../test/support/waits.mjs';

/** Longest the file sender may take to fill its window when nobody reads. */
const FILL_MS = 30_000;
/** How often the simulcast test reads the sender's statistics. */
const STATS_POLL_MS = 250;

const remoteVideo = (call: RtcCall) => (call.querySelector('rtc-video[remote]') as RtcVideo).videoElement;

describe('<rtc-call> remote mute', function () {
  this.timeout(TEST_MS);

  /** Two calls sending camera and microphone, connected, the tracks arrived. */
  async function sendingBoth() {
    const [a, b] = await callPair(html``, { video: true, audio: true });
    await until(() => b.remoteStreams.length > 0 && b.remoteStreams[0].getTracks().length === 2, CONNECT_MS, 'tracks');
    await until(() => a.state === 'connected', CONNECT_MS, 'connected');
    return [a, b] as const;
  }

  it('muting video reaches the peer as rtc-mute with kind video and the video track', async () => {
    const [a, b] = await sendingBoth();
    const detail = await muteSeen(a, b, 'video', true);
    expect([detail.kind, detail.track.kind]).to.deep.equal(['video', 'video']);
  });

  it('muting video disables the camera track it sends', async () => {
    const [a, b] = await sendingBoth();
    await muteSeen(a, b, 'video', true);
    expect(a.localStream!.getVideoTracks()[0].enabled).to.be.false;
  });

  it('unmuting video reaches the peer as rtc-unmute with kind video', async () => {
    const [a, b] = await sendingBoth();
    await muteSeen(a, b, 'video', true);
    expect((await muteSeen(a, b, 'video', false)).kind).to.equal('video');
  });

  it('muting audio reaches the peer as rtc-mute with kind audio', async () => {
    const [a, b] = await sendingBoth();
    expect((await muteSeen(a, b, 'audio', true)).kind).to.equal('audio');
  });
});

describe('<rtc-call> muted before the start', function () {
  this.timeout(TEST_MS);

  /** `a` muted (audio) before it starts, then both started; `muted` collects the kinds b hears muted. */
  async function startedMuted() {
    const [a, b] = await manualPair({ audio: true, video: true });
    const muted: string[] = [];
    b.addEventListener('rtc-mute', (e) => muted.push(e.detail.kind));
    a.setMuted('audio', true);
    await Promise.all([a.start(), b.start()]);
    return { a, b, muted, microphone: () => a.localStream!.getAudioTracks()[0] };
  }

  it('joins with the microphone off and the camera on', async () => {
    const { a, microphone } = await startedMuted();
    expect([microphone().enabled, a.localStream!.getVideoTracks()[0].enabled]).to.deep.equal([false, true]);
  });

  it('the peer gets rtc-mute (audio)', async () => {
    const { muted } = await startedMuted();
    await until(() => muted.includes('audio'), CONNECT_MS, 'rtc-mute (audio) at the peer');
  });

  it('a peer who comes later hears of what was muted, also while alone in the room', async () => {
    const { a, b, muted } = await startedMuted();
    await until(() => muted.includes('audio'), CONNECT_MS, 'rtc-mute (audio) at the peer');
    b.hangUp();
    await until(() => a.connection?.state === 'new', ARRIVE_MS, 'a waiting for the next peer');
    a.setMuted('video', true);
    muted.length = 0;
    await b.start();
    await until(
      () => muted.includes('audio') && muted.includes('video'),
      CONNECT_MS,
      'rtc-mute (audio and video) at the next peer',
    );
  });

  it('a switched microphone stays muted', async () => {
    const { a, microphone } = await startedMuted();
    const [device] = await a.listDevices('audioinput');
    await a.switchDevice('audio', device!.deviceId);
    expect(microphone().enabled).to.be.false;
  });

  it('a camera turned off and on again stays muted', async () => {
    const { a } = await startedMuted();
    a.setMuted('video', true);
    a.video = false;
    await until(() => a.localStream!.getVideoTracks().length === 0, ARRIVE_MS, 'camera off');
    a.video = true;
    await until(() => a.localStream!.getVideoTracks().length === 1, ARRIVE_MS, 'camera on');
    expect(a.localStream!.getVideoTracks()[0].enabled).to.be.false;
  });

  it('setMuted(audio, false) then turns the microphone on', async () => {
    const { a, microphone } = await startedMuted();
    a.setMuted('audio', false);
    expect(microphone().enabled).to.be.true;
  });
});

describe('<rtc-call> devices', function () {
  this.timeout(TEST_MS);

  /** Two calls, `a` sending its camera, frames showing at `b`. */
  async function sendingCamera() {
    const [a, b] = await callPair(html`<rtc-video remote></rtc-video>`, { video: true });
    await until(() => framesShown(remoteVideo(b)), CONNECT_MS, 'frames');
    return [a, b] as const;
  }

  it('lists the cameras', async () => {
    const [a] = await sendingCamera();
    expect((await a.listDevices('videoinput')).length).to.be.greaterThan(0);
  });

  it('switchDevice sends the new camera on the same sender, and frames go on', async () => {
    const [a, b] = await sendingCamera();
    const [camera] = await a.listDevices('videoinput');
    await a.switchDevice('video', camera.deviceId);
    const after = a.localStream!.getVideoTracks()[0];
    expect(a.connection!.native.getSenders().some((s) => s.track === after)).to.be.true;
    const time = remoteVideo(b)!.currentTime;
    await until(() => remoteVideo(b)!.currentTime > time + 0.3, ARRIVE_MS, 'frames after the switch');
  });

  it('switchDevice stops the old camera', async () => {
    const [a] = await sendingCamera();
    const before = a.localStream!.getVideoTracks()[0];
    const [camera] = await a.listDevices('videoinput');
    await a.switchDevice('video', camera.deviceId);
    expect([a.localStream!.getVideoTracks()[0] !== before, before.readyState]).to.deep.equal([true, 'ended']);
  });

  it('switchDevice does not renegotiate', async () => {
    const [a, b] = await sendingCamera();
    let negotiations = 0;
    a.addEventListener('rtc-negotiationneeded', () => negotiations++);
    const [camera] = await a.listDevices('videoinput');
    await a.switchDevice('video', camera.deviceId);
    const time = remoteVideo(b)!.currentTime;
    await until(() => remoteVideo(b)!.currentTime > time + 0.3, ARRIVE_MS, 'frames after the switch');
    expect(negotiations).to.equal(0);
  });

  it('removing the video attribute releases the camera and leaves its sender empty', async () => {
    const [a] = await sendingCamera();
    const camera = a.localStream!.getVideoTracks()[0];
    const sender = a.connection!.native.getSenders().find((s) => s.track === camera)!;
    a.video = false;
    await until(() => camera.readyState === 'ended', LOCAL_MS, 'the camera released');
    expect([sender.track, a.localStream!.getVideoTracks()]).to.deep.equal([null, []]);
  });

  it('quick video toggles (off, on, off, on) end with a new camera on the same sender and frames, without renegotiation or error', async () => {
    const [a, b] = await sendingCamera();
    const camera = a.localStream!.getVideoTracks()[0];
    const sender = a.connection!.native.getSenders().find((s) => s.track === camera)!;
    let negotiations = 0;
    a.addEventListener('rtc-negotiationneeded', () => negotiations++);
    const errors: unknown[] = [];
    a.addEventListener('rtc-error', (e) => errors.push(e.detail.error));
    a.video = false;
    await until(() => camera.readyState === 'ended', LOCAL_MS, 'the camera released');
    a.video = true;
    await a.updateComplete;
    a.video = false;
    await a.updateComplete;
    a.video = true;
    await until(
      () => a.localStream!.getVideoTracks().length === 1 && sender.track === a.localStream!.getVideoTracks()[0],
      ARRIVE_MS,
      'a new camera on the sender',
    );
    const time = remoteVideo(b)!.currentTime;
    await until(() => remoteVideo(b)!.currentTime > time + 0.3, ARRIVE_MS, 'frames after the camera is back');
    expect([negotiations, errors]).to.deep.equal([0, []]);
  });

  /** Two calls, `a` sending its camera only, the video arrived at `b`. */
  async function cameraOnly() {
    const [a, b] = await callPair(html``, { video: true });
    await until(() => b.remoteStreams[0]?.getVideoTracks().length === 1, CONNECT_MS, 'video');
    return [a, b] as const;
  }

  it('adding the audio attribute during a call renegotiates to send the microphone', async () => {
    const [a, b] = await cameraOnly();
    const added = oneEvent(b, 'rtc-track');
    a.audio = true;
    expect((await added).detail.track.kind).to.equal('audio');
  });

  it('removing the audio attribute releases the microphone', async () => {
    const [a, b] = await cameraOnly();
    const added = oneEvent(b, 'rtc-track');
    a.audio = true;
    await added;
    const microphone = a.localStream!.getAudioTracks()[0];
    a.audio = false;
    await until(() => microphone.readyState === 'ended', LOCAL_MS, 'the microphone released');
    expect(a.localStream!.getAudioTracks()).to.deep.equal([]);
  });
});

describe('<rtc-call> screen sharing', function () {
  this.timeout(TEST_MS);

  /** `a` sends its camera (640×480) and can share a 200×100 canvas "screen"; camera frames show at `b`. */
  async function cameraThenScreen() {
    const [a, b] = await manualPair({ video: true });
    a.client = clientWithCanvasScreen();
    await Promise.all([a.start(), b.start()]);
    // The camera is 640×480 (a browser under load may send it scaled down, never 200×100).
    await until(
      () => framesShown(remoteVideo(b)) && remoteVideo(b)!.videoWidth > 0 && remoteVideo(b)!.videoWidth !== 200,
      CONNECT_MS,
      'camera frames',
    );
    return [a, b] as const;
  }
  const screenShown = (b: RtcCall) =>
    until(() => remoteVideo(b)?.videoWidth === 200, CONNECT_MS, 'screen frames (200×100)');

  afterEach(() => {
    for (const call of document.querySelectorAll('rtc-call')) call.client?.close();
  });

  it('the screen attribute sends the screen instead of the camera, and reflects', async () => {
    const [a, b] = await cameraThenScreen();
    a.screen = true; // the attribute way; a.shareScreen() is the method
    await screenShown(b);
    expect(a.hasAttribute('screen')).to.be.true;
  });

  it('sharing the screen and stopping it do not renegotiate', async () => {
    const [a, b] = await cameraThenScreen();
    let negotiations = 0;
    a.addEventListener('rtc-negotiationneeded', () => negotiations++);
    a.screen = true;
    await screenShown(b);
    await a.stopScreenShare();
    await until(() => remoteVideo(b)!.videoWidth !== 200, CONNECT_MS, 'camera frames again');
    expect(negotiations).to.equal(0);
  });

  it('muting video while sharing mutes the screen: the peer gets rtc-mute and rtc-unmute', async () => {
    const [a, b] = await cameraThenScreen();
    a.screen = true;
    await screenShown(b);
    expect((await muteSeen(a, b, 'video', true)).kind).to.equal('video');
    expect((await muteSeen(a, b, 'video', false)).kind).to.equal('video');
  });

  it('stopScreenShare() brings the camera (4:3) back and turns screen off', async () => {
    const [a, b] = await cameraThenScreen();
    a.screen = true;
    await screenShown(b);
    await a.stopScreenShare();
    await until(
      () => remoteVideo(b)!.videoWidth !== 200 && remoteVideo(b)!.videoHeight * 4 === remoteVideo(b)!.videoWidth * 3,
      CONNECT_MS,
      'camera (4:3) again',
    );
    expect(a.screen).to.be.false;
  });

  it('`screen` before the start shares the screen from the start', async () => {
    const [a, b] = await manualPair({ screen: true });
    a.client = clientWithCanvasScreen();
    await Promise.all([a.start(), b.start()]);
    await screenShown(b);
    expect(a.screen).to.be.true;
  });

  it('shareScreen() before the start (no client yet) turns screen on for the start', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual .signaler=${createSignalerPair()[0]}></rtc-call>`);
    await call.shareScreen();
    expect(call.screen).to.be.true;
  });

  describe('a refused screen', () => {
    let refusing: WebRtcClient;
    let call: RtcCall;
    let code: string;
    beforeEach(async () => {
      refusing = new WebRtcClient({
        mediaDevices: {
          getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
          getDisplayMedia: async () => {
            throw new DOMException('Permission denied', 'NotAllowedError');
          },
        },
      });
      call = await fixture<RtcCall>(html`<rtc-call manual .signaler=${createSignalerPair()[0]}></rtc-call>`);
      call.client = refusing;
      await call.updateComplete;
      const refused = oneEvent(call, 'rtc-error');
      call.screen = true;
      code = (await refused).detail.code;
      await call.updateComplete;
    });
    afterEach(() => {
      call.hangUp();
      refusing.close();
    });

    it('is rtc-error code media-permission', () => expect(code).to.equal('media-permission'));

    it('turns screen (property and attribute) back off', () =>
      expect([call.screen, call.hasAttribute('screen')]).to.deep.equal([false, false]));

    it('leaves the call able to start without the screen', async () => {
      await call.start();
      expect(call.state).to.equal('new');
    });
  });

  it('hanging up while the user picks a screen lets the capture go, without an error', async () => {
    const canvas = document.createElement('canvas');
    canvas.getContext('2d')!.fillRect(0, 0, 10, 10);
    let pick = () => {};
    let asked = false;
    const client = new WebRtcClient({
      mediaDevices: {
        getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
        // The picker answers only when told to, as a person does.
        getDisplayMedia: async () => {
          asked = true;
          await new Promise<void>((resolve) => {
            pick = resolve;
          });
          return canvas.captureStream(5);
        },
      },
    });
    const call = await fixture<RtcCall>(html`<rtc-call manual></rtc-call>`);
    call.client = client;
    call.signaler = createSignalerPair()[0];
    const errors: unknown[] = [];
    call.addEventListener('rtc-error', (e) => errors.push(e.detail));
    try {
      await call.start();
      const sharing = call.shareScreen();
      await until(() => asked, LOCAL_MS, 'the picker open');
      call.hangUp();
      pick();
      await sharing;
      expect(client.openTracks.length).to.equal(0, 'screen tracks left open');
      expect(call.screen).to.be.false;
      expect(errors).to.deep.equal([]);
    } finally {
      client.close();
    }
  });
});

describe('<rtc-call> stats, ICE hints, channels and files', function () {
  this.timeout(TEST_MS);

  it('reports stats: the candidate pair in use and a quality', async () => {
    const [sa, sb] = createSignalerPair();
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-call stats-interval="200" .signaler=${sa}><rtc-data-channel label="s"></rtc-data-channel></rtc-call>
        <rtc-call .signaler=${sb}><rtc-data-channel label="s"></rtc-data-channel></rtc-call>
      </div>`,
    );
    const a = root.querySelector('rtc-call') as RtcCall;
    const stats = await new Promise<CustomEvent>((resolve) =>
      a.addEventListener('rtc-stats', (e) => {
        if (e.detail.localCandidateType) resolve(e);
      }),
    );
    expect(stats.detail.localCandidateType).to.equal('host');
    expect(stats.detail.relayed).to.be.false;
    expect(stats.detail.quality).to.equal('good');
    expect(stats.detail.rttMs).to.be.a('number');
  });

  it('hints that TURN is needed when ICE fails without a relay', async () => {
    const [a] = await callPair(html`<rtc-data-channel label="x"></rtc-data-channel>`);
    await until(() => a.state === 'connected', CONNECT_MS, 'connected');
    const native = a.connection!.native;
    Object.defineProperty(native, 'iceConnectionState', { configurable: true, get: () => 'failed' });
    const error = oneEvent(a, 'rtc-error');
    native.dispatchEvent(new Event('iceconnectionstatechange'));
    const { detail } = await error;
    expect(detail.code).to.equal('ice');
    expect(detail.error.reason).to.equal('needs-turn');
    expect(detail.error.message).to.contain('TURN');
  });

  it('carries several named channels on one connection', async () => {
    const [a, , root] = await callPair(
      html`<rtc-data-channel label="chat"></rtc-data-channel
        ><rtc-data-channel label="game" ordered="false" max-retransmits="0"></rtc-data-channel
        ><rtc-data-channel label="log"></rtc-data-channel>`,
    );
    const channels = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    const [mine, theirs] = [channels.slice(0, 3), channels.slice(3)];
    const got = theirs.map((c) => oneEvent(c, 'rtc-message'));
    await Promise.all(mine.map((c) => c.send(`on ${c.label}`)));
    expect((await Promise.all(got)).map((e) => e.detail.data)).to.deep.equal(['on chat', 'on game', 'on log']);
    expect(a.connection!.dataChannels.length).to.equal(3);
  });

  it('announces a file with its name, size and type, and its stream gives the bytes', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="files" files></rtc-data-channel>`);
    const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    const file = new File([new Uint8Array([1, 2, 3])], 'small.bin', { type: 'application/octet-stream' });
    const arriving = oneEvent(y, 'rtc-file');
    const sent = x.sendFile(file);
    const incoming = (await arriving).detail.file;
    const received = new Uint8Array(await new Response(incoming.stream).arrayBuffer());
    await sent;
    expect([incoming.name, incoming.size, incoming.mimeType, [...received]]).to.deep.equal([
      'small.bin',
      3,
      'application/octet-stream',
      [1, 2, 3],
    ]);
  });

  it('resumes a file after a reconnect: progress reaches its size and every byte arrives', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="files" files></rtc-data-channel>`);
    const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    const bytes = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const file = new File([bytes], 'big.bin', { type: 'application/octet-stream' });
    const arriving = oneEvent(y, 'rtc-file');
    let sentProgress = 0;
    let dropped = false;
    x.addEventListener('rtc-file-progress', (e) => {
      sentProgress = e.detail.bytes;
      // Halfway through: the connection drops (hang up), and the call is started again.
      if (!dropped && e.detail.bytes > 2 * 1024 * 1024) {
        dropped = true;
        a.hangUp('network drop');
        setTimeout(() => void a.start(), SETTLE_MS);
      }
    });
    const sent = x.sendFile(file);
    const received = new Uint8Array(await new Response((await arriving).detail.file.stream).arrayBuffer());
    await sent;
    const digest = async (d: Uint8Array) =>
      new Uint8Array(await crypto.subtle.digest('SHA-256', d as Uint8Array<ArrayBuffer>)).join();
    expect([dropped, sentProgress, received.length, await digest(received)]).to.deep.equal([
      true,
      bytes.length,
      bytes.length,
      await digest(bytes),
    ]);
  });
});

describe('file transfer failures: a file that cannot be read', function () {
  this.timeout(TEST_MS);

  /** Sends a file whose reads fail after its first 256 KiB: what each side then sees. */
  async function unreadableTransfer() {
    const [, , root] = await callPair(html`<rtc-data-channel label="broken" files></rtc-data-channel>`);
    const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    // A picked file that changed on disk: browsers fail the read with NotReadableError.
    class Unreadable extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        return Promise.reject(new DOMException('The file changed on disk', 'NotReadableError'));
      }
    }
    class ChangedFile extends Blob {
      override slice(start = 0, end?: number): Blob {
        return start >= 256 * 1024 ? new Unreadable([]) : super.slice(start, end);
      }
    }
    const file = new ChangedFile([new Uint8Array(1024 * 1024)]);
    const arriving = oneEvent(y, 'rtc-file');
    const receiverErrors: Array<string | undefined> = [];
    y.addEventListener('rtc-channel-error', (e) => receiverErrors.push(e.detail.error.reason));
    let offers = 0;
    y.addEventListener('rtc-file', () => offers++);
    const sending = x.sendFile(file, 'changed.bin').then(
      () => null,
      (e) => e,
    );
    // A read that fails is final: the transfer ends instead of offering the file again and again.
    const error = await orAfter(sending, ARRIVE_MS, 'still retrying');
    const reader = (await arriving).detail.file.stream.getReader();
    const read = await (async () => {
      for (;;) if ((await reader.read()).done) return null;
    })().catch((e) => e);
    return { error, read, receiverErrors, offers: () => offers };
  }

  it('fails sendFile with DataChannelError reason file-failed, naming the file and the cause', async () => {
    const { error } = await unreadableTransfer();
    expect([error instanceof Error, error.code, error.reason]).to.deep.equal([true, 'data-channel', 'file-failed']);
    expect(error.message).to.match(/changed\.bin.*The file changed on disk/);
  });

  it('errors the receiving stream with reason file-aborted, saying how far it got', async () => {
    const { read } = await unreadableTransfer();
    expect(read?.reason).to.equal('file-aborted');
    expect(read.message).to.match(/stopped sending "changed\.bin" after \d+ of 1048576 bytes/);
  });

  it('fires rtc-channel-error file-aborted on the receiving element', async () => {
    const { receiverErrors } = await unreadableTransfer();
    await until(() => receiverErrors.includes('file-aborted'), LOCAL_MS, 'rtc-channel-error on the receiver');
  });

  it('offers the file once (it is not retried)', async () => {
    const { offers } = await unreadableTransfer();
    expect(offers()).to.equal(1);
  });
});

/** Adds `a=rid:… recv` and `a=simulcast:recv` to the video section of an answer (what an SFU would answer). */
function acceptSimulcast(sdp: string, rids: string[]): string {
  if (/a=simulcast:recv/.test(sdp)) return sdp;
  const sections = sdp.split(/\r\n(?=m=)/);
  return sections
    .map((section) => {
      if (!section.startsWith('m=video')) return section;
      const last = section.endsWith('\r\n');
      const body = section.replace(/\r\n$/, '');
      return `${body}\r\n${rids.map((rid) => `a=rid:${rid} recv`).join('\r\n')}\r\na=simulcast:recv ${rids.join(';')}${last ? '\r\n' : ''}`;
    })
    .join('\r\n');
}

describe('file transfer backpressure', function () {
  this.timeout(TEST_MS);

  it('a slow reader slows the sender down: bytes in flight stay within the window', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="slow" files></rtc-data-channel>`);
    const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
    const MiB = 1024 * 1024;
    const file = new File([new Uint8Array(24 * MiB)], 'zeros.bin');
    const arriving = oneEvent(y, 'rtc-file');
    let sent = 0;
    x.addEventListener('rtc-file-progress', (e) => {
      sent = e.detail.bytes;
    });
    const done = x.sendFile(file);
    const incoming = (await arriving).detail.file;
    // Nobody reads: the sender must stop at the window (8 MiB) plus the stream's buffer (4 MiB).
    // Waited for by its progress standing still (a loaded machine fills the window more slowly).
    // Still for 1.5 s: under load Firefox's channel can pause for half a second.
    const STILL_MS = 1500;
    for (let waited = 0, before = -1; waited < FILL_MS && (sent === 0 || sent !== before); waited += STILL_MS) {
      before = sent;
      await sleep(STILL_MS);
    }
    expect(sent).to.be.at.most(13 * MiB);
    expect(sent).to.be.at.least(4 * MiB);
    const reader = incoming.stream.getReader();
    let total = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      total += value.byteLength;
    }
    await done;
    expect(total).to.equal(24 * MiB);
    expect(sent).to.equal(24 * MiB);
  });

  it('devicechange on the media devices reaches the client with the device list', async () => {
    const client = new WebRtcClient();
    try {
      const changed = oneEvent(client as unknown as HTMLElement, 'devicechange' as never);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
      const { detail } = (await changed) as unknown as CustomEvent<{ devices: Array<{ kind: string }> }>;
      expect(detail.devices.some((d) => d.kind === 'videoinput')).to.be.true;
    } finally {
      client.close();
    }
  });
});

describe('simulcast', function () {
  this.timeout(TEST_MS);

  it('sends several encodings, set from createVideoTrack, and the stats show them', async () => {
    const client = new WebRtcClient();
    try {
      const a = client.createPeerConnection();
      const b = client.createPeerConnection();
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const)
        from.addEventListener('icecandidate', (e) => {
          const c = e.detail.candidate;
          if (c) void to.addIceCandidate(c);
        });
      const camera = await client.createVideoTrack({
        width: 640,
        height: 480,
        simulcast: [{ rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f' }],
      });
      const sender = a.addTrack(camera);
      expect(sender.native.getParameters().encodings.map((e) => e.rid)).to.deep.equal(['q', 'h', 'f']);
      const offer = await a.createOffer();
      expect(offer.sdp).to.match(/a=simulcast:send q;h;f/);
      await a.setLocalDescription(offer);
      await b.setRemoteDescription(offer);
      const answer = await b.createAnswer();
      await b.setLocalDescription(answer);
      // A plain browser peer cannot receive simulcast (an SFU does): say "recv" in the answer for it.
      const munged = acceptSimulcast(answer.sdp, ['q', 'h', 'f']);
      await a.setRemoteDescription({ type: 'answer', sdp: munged });
      let rids: string[] = [];
      const start = performance.now();
      while (performance.now() - start < FRAMES_MS) {
        const stats = await a.getStatistics();
        rids = [
          ...new Set(
            stats.entries
              .filter(
                (e) =>
                  e.type === 'outbound-rtp' &&
                  e.kind === 'video' &&
                  typeof e.rid === 'string' &&
                  (e.bytesSent as number) > 0,
              )
              .map((e) => e.rid as string),
          ),
        ];
        if (rids.length >= 2) break;
        await sleep(STATS_POLL_MS);
      }
      expect(rids.length, `encodings seen: ${rids}`).to.be.at.least(2);
    } finally {
      client.close();
    }
  });
});
