import { expect } from '@open-wc/testing';
import { MediaDeviceError, MediaPermissionError, WebRtcClient, WebRtcError, type TrackEvent } from '../../src/index.js';
import { makePair, negotiate, nextEvent, waitFor } from './helpers.js';
import { CONNECT_MS } from '../support/waits.mjs';

describe('media', () => {
  let client: WebRtcClient;
  beforeEach(() => {
    client = new WebRtcClient();
  });
  afterEach(() => client.close());

  it('creates a video track with every Ktor constraint', async () => {
    const track = await client.createVideoTrack({
      width: 320,
      height: 240,
      frameRate: 15,
      aspectRatio: 4 / 3,
      facingMode: 'user',
      resizeMode: 'crop-and-scale',
    });
    expect(track.kind).to.equal('video');
    expect(track.id).to.be.a('string');
    expect(track.enabled).to.be.true;
    const settings = track.native.getSettings();
    expect(settings.width).to.equal(320);
    expect(settings.height).to.equal(240);
    track.enabled = false;
    expect(track.native.enabled).to.be.false;
    track.close();
    track.close();
    expect(track.native.readyState).to.equal('ended');
  });

  it('creates an audio track with every Ktor constraint', async () => {
    const track = await client.createAudioTrack({
      echoCancellation: false,
      autoGainControl: false,
      noiseSuppression: false,
      sampleRate: 48000,
      sampleSize: 16,
      channelCount: 1,
      latency: 0.01,
      volume: 1,
    });
    expect(track.kind).to.equal('audio');
    expect(track.native.readyState).to.equal('live');
    track.close();
    expect(track.native.readyState).to.equal('ended');
  });

  it('selects a device by deviceId, and fails with MediaDeviceError when none fits', async () => {
    const error = await client.createVideoTrack({ deviceId: 'no-such-camera' }).then(
      () => null,
      (e) => e,
    );
    expect(error).to.be.instanceOf(MediaDeviceError);
    expect(error).to.be.instanceOf(WebRtcError);
    expect(error.code).to.equal('media-device');
    expect(error.message).to.contain('camera');
    const devices = await navigator.mediaDevices.enumerateDevices();
    const camera = devices.find((d) => d.kind === 'videoinput' && d.deviceId);
    if (camera) {
      const track = await client.createVideoTrack({ deviceId: camera.deviceId });
      expect(track.native.getSettings().deviceId).to.equal(camera.deviceId);
    }
  });

  it('turns a denied permission into MediaPermissionError', async () => {
    const denied = new WebRtcClient({
      mediaDevices: { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) },
    });
    const error = await denied.createAudioTrack().then(
      () => null,
      (e) => e,
    );
    expect(error).to.be.instanceOf(MediaPermissionError);
    expect(error.code).to.equal('media-permission');
    expect(error.message).to.contain('Permission denied');
    denied.close();
  });

  it('denies a camera in an iframe whose permissions policy forbids it', async () => {
    const frame = document.createElement('iframe');
    frame.setAttribute('allow', "camera 'none'; microphone 'none'");
    frame.srcdoc = '<p>no camera here</p>';
    const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    document.body.append(frame);
    await loaded;
    try {
      const inner = new WebRtcClient({ mediaDevices: frame.contentWindow!.navigator.mediaDevices });
      const error = await inner.createVideoTrack().then(
        () => null,
        (e) => e,
      );
      expect(error).to.be.instanceOf(MediaPermissionError);
    } finally {
      frame.remove();
    }
  });

  /** `a` sends a 320×240 fake camera to `b`, negotiated: its sender and `b`'s track event. */
  async function cameraSent() {
    const { a, b } = makePair(client);
    const camera = await client.createVideoTrack({ width: 320, height: 240 });
    const sender = a.addTrack(camera);
    const arrived = nextEvent<TrackEvent>(b, 'track');
    await negotiate(a, b);
    return { a, b, camera, sender, added: await arrived };
  }

  it('addTrack returns a sender of that track', async () => {
    const { camera, sender } = await cameraSent();
    expect(sender.track).to.equal(camera.native);
  });

  it('the remote side gets a track event: add, a video track, one stream', async () => {
    const { added } = await cameraSent();
    expect([added.type, added.track.kind, added.streams.length]).to.deep.equal(['add', 'video', 1]);
  });

  it('the remote side decodes frames of the sent size', async () => {
    const { b, added } = await cameraSent();
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = added.streams[0];
    document.body.append(video);
    try {
      await video.play().catch(() => {});
      await waitFor(() => video.videoWidth > 0, CONNECT_MS, 'video size');
      await waitFor(
        async () => ((await b.getStatistics()).summary.framesDecoded ?? 0) > 5,
        CONNECT_MS,
        'decoded frames',
      );
      expect(video.videoWidth).to.equal(320);
    } finally {
      video.remove();
    }
  });

  it('trackEvents replays the add to a late iterator', async () => {
    const { b } = await cameraSent();
    const first = await b.trackEvents[Symbol.asyncIterator]().next();
    expect(first.value.type).to.equal('add');
  });

  it('removeTrack ends it remotely: a remove event for that track, and no remote track left', async () => {
    const { a, b, sender, added } = await cameraSent();
    const removed = new Promise<TrackEvent>((resolve) =>
      b.addEventListener('track', (e) => {
        const detail = e.detail;
        if (detail.type === 'remove') resolve(detail);
      }),
    );
    a.removeTrack(sender);
    await negotiate(a, b);
    const gone = await removed;
    expect([gone.track === added.track, b.remoteTrackList.length]).to.deep.equal([true, 0]);
  });

  it('replaces a track without renegotiation', async () => {
    const { a, b } = makePair(client);
    const first = await client.createVideoTrack({ width: 320, height: 240 });
    const sender = a.addTrack(first);
    await negotiate(a, b);
    const second = await client.createVideoTrack({ width: 160, height: 120 });
    await sender.replaceTrack(second);
    expect(sender.track).to.equal(second.native);
    expect(a.signalingState).to.equal('stable');
  });
});
