import { fixture, html, oneEvent } from '@open-wc/testing';
import { WebRtcClient, createSignalerPair } from '../src/index.js';
import './define.js';
import type { RtcCall } from './rtc-call/rtc-call.js';

/** Waits for a condition, polling: the browser tests' `waitFor`. */
export { waitFor as until } from '../test/browser/helpers.js';

/** Two calls in one page joined by an in-page signaler pair; `inner` goes inside each call. */
export async function callPair(
  inner = html``,
  attrs: { video?: boolean; audio?: boolean } = {},
): Promise<[RtcCall, RtcCall, HTMLElement]> {
  const [sa, sb] = createSignalerPair();
  const root = await fixture<HTMLElement>(html`
    <div>
      <rtc-call id="a" ?video=${attrs.video} ?audio=${attrs.audio} .signaler=${sa}>${inner}</rtc-call>
      <rtc-call id="b" ?video=${attrs.video} ?audio=${attrs.audio} .signaler=${sb}>${inner}</rtc-call>
    </div>
  `);
  const [a, b] = [root.querySelector('#a') as RtcCall, root.querySelector('#b') as RtcCall];
  return [a, b, root];
}

/**
 * Two calls joined by an in-page signaler pair that start when told (`manual`); `a` gets `attrs`, `b` shows what `a`
 * sends.
 */
export async function manualPair(
  attrs: { video?: boolean; audio?: boolean; screen?: boolean } = {},
): Promise<[RtcCall, RtcCall]> {
  const [sa, sb] = createSignalerPair();
  const root = await fixture<HTMLElement>(
    html`<div>
      <rtc-call
        id="a"
        manual
        ?video=${attrs.video}
        ?audio=${attrs.audio}
        ?screen=${attrs.screen}
        .signaler=${sa}
      ></rtc-call>
      <rtc-call id="b" manual .signaler=${sb}><rtc-video remote></rtc-video></rtc-call>
    </div>`,
  );
  return [root.querySelector('#a') as RtcCall, root.querySelector('#b') as RtcCall];
}

export function framesShown(video: HTMLVideoElement | null | undefined): boolean {
  return !!video && video.videoWidth > 0 && video.currentTime > 0;
}

/** A client whose "screen" is a canvas: getDisplayMedia's picker cannot run headless, the rest is real. */
export function clientWithCanvasScreen(): WebRtcClient {
  const canvas = document.createElement('canvas');
  canvas.width = 200;
  canvas.height = 100;
  const context = canvas.getContext('2d')!;
  let n = 0;
  setInterval(() => {
    context.fillStyle = `hsl(${(n += 10) % 360} 80% 50%)`;
    context.fillRect(0, 0, 200, 100);
  }, 50);
  return new WebRtcClient({
    mediaDevices: {
      getUserMedia: (c) => navigator.mediaDevices.getUserMedia(c),
      enumerateDevices: () => navigator.mediaDevices.enumerateDevices(),
      getDisplayMedia: async () => canvas.captureStream(20),
    },
  });
}

/** `from.setMuted(kind, muted)`; resolves with the `rtc-mute` / `rtc-unmute` detail that `to` then fires. */
export async function muteSeen(from: RtcCall, to: RtcCall, kind: 'audio' | 'video', muted: boolean) {
  const seen = oneEvent(to, muted ? 'rtc-mute' : 'rtc-unmute');
  from.setMuted(kind, muted);
  return (await seen).detail;
}
