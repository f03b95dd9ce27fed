import { expect, fixture, html } from '@open-wc/testing';
import { createSignalerPair } from '../src/index.js';
import { framesShown, until } from './test-helpers.js';
import type { RtcDataChannel } from './rtc-data-channel/rtc-data-channel.js';
import type { RtcVideo } from './rtc-video/rtc-video.js';
import { CONNECT_MS, SETTLE_MS, sleep } from '../test/support/waits.mjs';

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

describe('call="id"', () => {
  it('a video and a channel find a call that joins the page after them', async () => {
    const id = unique('later');
    // The view first (a layout, a framework rendering it before the call), the calls afterwards.
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-video call=${id} remote></rtc-video>
        <rtc-data-channel call=${id} label="named"></rtc-data-channel>
      </div>`,
    );
    const video = root.querySelector('rtc-video') as RtcVideo;
    const named = root.querySelector('rtc-data-channel') as RtcDataChannel;
    const [sa, sb] = createSignalerPair();
    const a = document.createElement('rtc-call');
    a.video = true;
    a.signaler = sa;
    a.innerHTML = '<rtc-data-channel label="named"></rtc-data-channel>';
    const b = document.createElement('rtc-call');
    b.id = id;
    b.signaler = sb;
    root.append(a, b);
    const got = named.receive();
    await (a.querySelector('rtc-data-channel') as RtcDataChannel).send('to the named call');
    expect(await got).to.equal('to the named call');
    await until(() => framesShown(video.videoElement), CONNECT_MS, 'remote frames in the video outside the call');
  });

  it('an id on something else is no call: nothing breaks, and the call that takes the id is found', async () => {
    const id = unique('taken');
    const root = await fixture<HTMLElement>(
      html`<div>
        <div id=${id}></div>
        <rtc-data-channel call=${id} label="wait"></rtc-data-channel>
        <rtc-video call=${id} local></rtc-video>
      </div>`,
    );
    const rejections: unknown[] = [];
    const onRejection = (e: PromiseRejectionEvent) => rejections.push(e.reason);
    window.addEventListener('unhandledrejection', onRejection);
    try {
      const channel = root.querySelector('rtc-data-channel') as RtcDataChannel;
      const video = root.querySelector('rtc-video') as RtcVideo;
      await sleep(SETTLE_MS);
      expect(channel.state).to.equal('closed');
      root.querySelector(`div#${id}`)!.remove();
      // The real call arrives, with a peer: the channel opens on it, the video shows its camera.
      const [sa, sb] = createSignalerPair();
      const call = document.createElement('rtc-call');
      call.id = id;
      call.video = true;
      call.signaler = sa;
      const peer = document.createElement('rtc-call');
      peer.signaler = sb;
      peer.innerHTML = '<rtc-data-channel label="wait"></rtc-data-channel>';
      root.append(call, peer);
      await channel.whenOpen();
      await until(() => framesShown(video.videoElement), CONNECT_MS, 'local frames');
      expect(rejections).to.have.length(0);
    } finally {
      window.removeEventListener('unhandledrejection', onRejection);
    }
  });
});
