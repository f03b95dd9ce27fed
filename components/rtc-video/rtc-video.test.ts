import { expect, fixture, html } from '@open-wc/testing';
import { callPair, clientWithCanvasScreen, framesShown, manualPair, until } from '../test-helpers.js';
import type { RtcCall } from '../rtc-call/rtc-call.js';
import type { RtcVideo } from './rtc-video.js';
import { CONNECT_MS, FRAMES_MS, LOCAL_MS, TEST_MS, sleep } from '../../test/support/waits.mjs';

/** How soon the peer must see a camera turned off or muted (the issue: "within a second"). */
const MUTE_MS = 1000;

const placeholderShown = (video: RtcVideo) => !!video.shadowRoot!.querySelector('[part="placeholder"]');

/** How soon a change the page makes to a stream it gave shows (it fires no event: the element looks every 250 ms). */
const PAGE_CHANGE_MS = 1000;

/** A camera track of the fake device. */
async function camera(): Promise<MediaStreamTrack> {
  return (await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } })).getVideoTracks()[0]!;
}

/** Counts the listeners on `target` from now on (added minus removed, as the DOM counts them). */
function listenerCount(target: EventTarget): () => number {
  const listeners = new Map<unknown, Set<string>>();
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ) => {
    if (!listeners.has(listener)) listeners.set(listener, new Set());
    listeners.get(listener)!.add(type);
    add(type, listener, options);
  };
  target.removeEventListener = (
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ) => {
    listeners.get(listener)?.delete(type);
    remove(type, listener, options);
  };
  return () => [...listeners.values()].reduce((sum, types) => sum + types.size, 0);
}

/** `call` fired `type` (listened from now on). */
function seen(call: RtcCall, type: 'rtc-mute' | 'rtc-unmute'): () => boolean {
  let fired = false;
  call.addEventListener(
    type,
    () => {
      fired = true;
    },
    { once: true },
  );
  return () => fired;
}

/** Frames keep coming after now: the picture moves on. */
async function framesAdvance(video: RtcVideo, what: string): Promise<void> {
  const time = video.videoElement!.currentTime;
  await until(() => !placeholderShown(video) && video.videoElement!.currentTime > time + 0.3, FRAMES_MS, what);
}

/** `a` sends its camera to `b`, whose `<rtc-video remote>` shows frames. */
async function cameraCall(): Promise<[RtcCall, RtcCall, RtcVideo]> {
  const [a, b] = await callPair(html`<rtc-video remote></rtc-video>`, { video: true });
  const remote = b.querySelector('rtc-video[remote]') as RtcVideo;
  await until(() => framesShown(remote.videoElement) && !placeholderShown(remote), FRAMES_MS, 'remote frames');
  return [a, b, remote];
}

describe('<rtc-video>', () => {
  it('shows the local camera and the remote video without any script', async () => {
    const [a, b] = await callPair(html`<rtc-video local mirror></rtc-video><rtc-video remote></rtc-video>`, {
      video: true,
    });
    const localA = a.querySelector('rtc-video[local]') as RtcVideo;
    const remoteB = b.querySelector('rtc-video[remote]') as RtcVideo;
    await until(() => framesShown(localA.videoElement), CONNECT_MS, 'local frames');
    await until(() => framesShown(remoteB.videoElement), CONNECT_MS, 'remote frames');
    expect(localA.videoElement!.muted).to.be.true;
    expect(remoteB.shadowRoot!.querySelector('[part="placeholder"]')).to.equal(null);
    expect(getComputedStyle(localA.videoElement!).transform).to.not.equal('none');
  });

  it('shows the placeholder again when the remote video goes (removeTrack and renegotiation)', async () => {
    const [a, b] = await callPair(html`<rtc-video remote></rtc-video>`, { video: true });
    const remoteB = b.querySelector('rtc-video[remote]') as RtcVideo;
    await until(() => framesShown(remoteB.videoElement), CONNECT_MS, 'remote frames');
    expect(remoteB.shadowRoot!.querySelector('[part="placeholder"]')).to.equal(null);
    const sender = a.connection!.native.getSenders().find((s) => s.track?.kind === 'video')!;
    a.connection!.removeTrack(sender);
    await until(
      () => !!remoteB.shadowRoot!.querySelector('[part="placeholder"]'),
      CONNECT_MS,
      'placeholder once the video is gone',
    );
  });

  it('shows a placeholder while there is no video', async () => {
    const el = await fixture<RtcVideo>(html`<rtc-video remote></rtc-video>`);
    const placeholder = el.shadowRoot!.querySelector('[part="placeholder"]');
    expect(placeholder).to.be.ok;
    expect(placeholder!.getAttribute('aria-label')).to.equal('Remote video: no video');
  });

  it('shows a given stream, with muted and fit', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    try {
      const el = await fixture<RtcVideo>(html`<rtc-video muted fit="cover" .stream=${stream}></rtc-video>`);
      await until(() => framesShown(el.videoElement), CONNECT_MS, 'frames');
      expect(el.videoElement!.muted).to.be.true;
      expect(getComputedStyle(el.videoElement!).objectFit).to.equal('cover');
      expect(el.videoElement!.getAttribute('part')).to.equal('video');
      el.stream = null;
      await until(
        () => !!el.shadowRoot!.querySelector('[part="placeholder"]'),
        LOCAL_MS,
        'placeholder once the stream is gone',
      );
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('follows muted, fit and label changed after it shows, and keeps a mute from the video controls', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    try {
      const el = await fixture<RtcVideo>(html`<rtc-video muted fit="nonsense" .stream=${stream}></rtc-video>`);
      await until(() => framesShown(el.videoElement), CONNECT_MS, 'frames');
      const video = el.videoElement!;
      expect(getComputedStyle(video).objectFit, 'an unknown fit is contain').to.equal('contain');
      el.muted = false;
      el.setAttribute('fit', 'fill');
      el.label = 'Guest';
      await el.updateComplete;
      expect(video.muted).to.be.false;
      expect(getComputedStyle(video).objectFit).to.equal('fill');
      expect(video.getAttribute('aria-label')).to.equal('Guest');
      video.muted = true; // the person muted it with the controls
      el.mirror = true;
      await el.updateComplete;
      expect(video.muted, 'an unrelated change does not unmute').to.be.true;
      expect(el.shadowRoot!.querySelectorAll('video'), 'one video, updated in place').to.have.length(1);
      el.stream = null;
      await until(() => !!el.shadowRoot!.querySelector('[part="placeholder"]'), LOCAL_MS, 'placeholder');
      expect(el.shadowRoot!.querySelector('[part="placeholder"]')!.getAttribute('aria-label')).to.equal(
        'Guest: no video',
      );
      expect(video.srcObject === null, 'no stream on the video').to.be.true;
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('shows the stream again after being moved in the page', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    try {
      const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
      await until(() => framesShown(el.videoElement), CONNECT_MS, 'frames');
      const elsewhere = document.createElement('div');
      document.body.append(elsewhere);
      elsewhere.append(el); // what a framework does when it reorders a list
      await el.updateComplete;
      expect(el.videoElement!.srcObject === stream, 'the stream is back on the video').to.be.true;
      await until(() => framesShown(el.videoElement), CONNECT_MS, 'frames after the move');
      elsewhere.remove();
      expect(el.videoElement!.srcObject === null, 'out of the page: let go of the stream').to.be.true;
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('is accessible: the video has a label', async () => {
    const el = await fixture<RtcVideo>(html`<rtc-video local label="My camera"></rtc-video>`);
    expect(el.videoElement!.getAttribute('aria-label')).to.equal('My camera');
    await expect(el).to.be.accessible();
  });
});

describe('<rtc-video remote> when the peer turns its camera off or mutes it', function () {
  this.timeout(TEST_MS);

  it('turning the camera off fires rtc-mute at the peer within a second', async () => {
    const [a, b] = await cameraCall();
    const muted = seen(b, 'rtc-mute');
    a.video = false;
    await until(muted, MUTE_MS, 'rtc-mute at the peer');
  });

  it('turning the camera off shows the peer the placeholder within a second, not the last frame', async () => {
    const [a, , remote] = await cameraCall();
    a.video = false;
    await until(() => placeholderShown(remote), MUTE_MS, 'the placeholder at the peer');
  });

  it('turning the camera back on fires rtc-unmute and shows frames again', async () => {
    const [a, b, remote] = await cameraCall();
    a.video = false;
    await until(() => placeholderShown(remote), FRAMES_MS, 'the placeholder at the peer');
    const unmuted = seen(b, 'rtc-unmute');
    a.video = true;
    await until(unmuted, FRAMES_MS, 'rtc-unmute at the peer');
    await framesAdvance(remote, 'frames again at the peer');
  });

  it('muting the video shows the peer the placeholder within a second, not black frames', async () => {
    const [a, , remote] = await cameraCall();
    a.setMuted('video', true);
    await until(() => placeholderShown(remote), MUTE_MS, 'the placeholder at the peer');
  });

  it('unmuting the video shows frames again', async () => {
    const [a, , remote] = await cameraCall();
    a.setMuted('video', true);
    await until(() => placeholderShown(remote), FRAMES_MS, 'the placeholder at the peer');
    a.setMuted('video', false);
    await framesAdvance(remote, 'frames again at the peer');
  });

  it('ending a screen share with the camera off shows the peer the placeholder within a second, not the last screen frame', async () => {
    const [a, b] = await manualPair({ video: true });
    const remote = b.querySelector('rtc-video[remote]') as RtcVideo;
    a.client = clientWithCanvasScreen();
    await Promise.all([a.start(), b.start()]);
    await a.shareScreen();
    // The "screen" is a 200×100 canvas.
    await until(
      () => remote.videoElement!.videoWidth === 200 && !placeholderShown(remote),
      FRAMES_MS,
      'screen frames at the peer',
    );
    a.video = false;
    await until(() => a.localStream!.getVideoTracks().length === 0, FRAMES_MS, 'the camera off');
    const muted = seen(b, 'rtc-mute');
    await a.stopScreenShare();
    await until(() => muted() && placeholderShown(remote), MUTE_MS, 'rtc-mute and the placeholder at the peer');
    a.client.close();
  });

  it('sharing the screen with the camera off fires rtc-unmute and shows the screen at the peer', async () => {
    const [a, b] = await manualPair({ video: true });
    const remote = b.querySelector('rtc-video[remote]') as RtcVideo;
    a.client = clientWithCanvasScreen();
    await Promise.all([a.start(), b.start()]);
    await until(
      () => framesShown(remote.videoElement) && !placeholderShown(remote),
      FRAMES_MS,
      'camera frames at the peer',
    );
    a.video = false;
    await until(() => placeholderShown(remote), FRAMES_MS, 'the placeholder at the peer');
    const unmuted = seen(b, 'rtc-unmute');
    await a.shareScreen();
    await until(unmuted, FRAMES_MS, 'rtc-unmute at the peer');
    await until(
      () => remote.videoElement!.videoWidth === 200 && !placeholderShown(remote),
      FRAMES_MS,
      'screen frames at the peer',
    );
    a.client.close();
  });

  it('a peer that joins with its camera muted shows the placeholder, and its black frames do not unmute it', async () => {
    const [a, b] = await manualPair({ video: true });
    const remote = b.querySelector('rtc-video[remote]') as RtcVideo;
    const unmuted = seen(b, 'rtc-unmute');
    a.setMuted('video', true);
    await Promise.all([a.start(), b.start()]);
    // The black frames arrive: the browser unmutes the track here.
    await until(
      () => b.remoteStreams[0]?.getVideoTracks()[0]?.muted === false && framesShown(remote.videoElement),
      FRAMES_MS,
      'black frames at the peer',
    );
    await sleep(MUTE_MS);
    expect({ placeholder: placeholderShown(remote), unmuted: unmuted() }).to.deep.equal({
      placeholder: true,
      unmuted: false,
    });
  });
});

describe('<rtc-video> with a stream or track the page changes', function () {
  this.timeout(TEST_MS);

  it('shows a camera track the page adds to the stream it gave', async () => {
    const stream = new MediaStream();
    const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
    expect(placeholderShown(el), 'no video yet').to.be.true;
    stream.addTrack(await camera());
    try {
      await until(
        () => framesShown(el.videoElement) && !placeholderShown(el),
        FRAMES_MS,
        'frames instead of the placeholder',
      );
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('shows the placeholder when the page stops the track it gave, not the last frame', async () => {
    const track = await camera();
    const el = await fixture<RtcVideo>(html`<rtc-video .track=${track}></rtc-video>`);
    await until(() => framesShown(el.videoElement) && !placeholderShown(el), FRAMES_MS, 'frames');
    track.stop();
    await until(() => placeholderShown(el), PAGE_CHANGE_MS, 'the placeholder once the track is stopped');
  });

  it('shows the placeholder when the page stops the video track of the stream it gave', async () => {
    const stream = new MediaStream([await camera()]);
    const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
    await until(() => framesShown(el.videoElement) && !placeholderShown(el), FRAMES_MS, 'frames');
    stream.getVideoTracks()[0]!.stop();
    await until(() => placeholderShown(el), PAGE_CHANGE_MS, 'the placeholder once the track is stopped');
  });

  it('shows the placeholder when the page removes the video track from the stream it gave', async () => {
    const track = await camera();
    const stream = new MediaStream([track]);
    try {
      const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
      await until(() => framesShown(el.videoElement) && !placeholderShown(el), FRAMES_MS, 'frames');
      stream.removeTrack(track);
      await until(() => placeholderShown(el), PAGE_CHANGE_MS, 'the placeholder once the track is removed');
    } finally {
      track.stop();
    }
  });

  it('lets go of a track the page removed from the stream it gave', async () => {
    const track = await camera();
    const listeners = listenerCount(track);
    const stream = new MediaStream([track]);
    try {
      await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
      await until(() => listeners() > 0, PAGE_CHANGE_MS, 'listening to the track');
      stream.removeTrack(track);
      await until(() => listeners() === 0, PAGE_CHANGE_MS, 'no listener left on the removed track');
    } finally {
      track.stop();
    }
  });

  it('lets go of the stream and its tracks when it leaves the page, and when given another stream', async () => {
    const track = await camera();
    const stream = new MediaStream([track]);
    const counts = [listenerCount(stream), listenerCount(track)];
    const other = new MediaStream();
    try {
      const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
      await until(() => counts.every((count) => count() > 0), PAGE_CHANGE_MS, 'listening to the stream and its track');
      el.stream = other;
      await el.updateComplete;
      expect(
        counts.map((count) => count()),
        'another stream',
      ).to.deep.equal([0, 0]);
      el.stream = stream;
      await el.updateComplete;
      el.remove();
      expect(
        counts.map((count) => count()),
        'out of the page',
      ).to.deep.equal([0, 0]);
    } finally {
      track.stop();
    }
  });

  it('back in the page, shows a track the page added to its stream while it was out', async () => {
    const stream = new MediaStream();
    const el = await fixture<RtcVideo>(html`<rtc-video .stream=${stream}></rtc-video>`);
    const parent = el.parentElement!;
    el.remove();
    stream.addTrack(await camera());
    try {
      parent.append(el);
      await until(
        () => framesShown(el.videoElement) && !placeholderShown(el),
        FRAMES_MS,
        'frames instead of the placeholder',
      );
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });
});
