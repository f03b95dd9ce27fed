import { expect, fixture, html } from '@open-wc/testing';
import { framesShown, until } from '../test-helpers.js';
import type { RtcCall } from './rtc-call.js';
import type { RtcVideo } from '../rtc-video/rtc-video.js';

/** How long a room of a few calls may take to show everyone (Janus subscribes each newcomer in turn). */
const ROOM_MS = 30000;

let janusUrl = '';
before(async () => {
  janusUrl = (await (await fetch('/__janus.json')).json()).url;
});

/** `count` `<rtc-call sfu="janus">` in one fresh Janus room, each with its own `data-rtc-videos` box. */
async function sfuCalls(count: number, attrs = ''): Promise<{ root: HTMLElement; calls: RtcCall[] }> {
  const room = `sfu-${crypto.randomUUID()}`;
  const root = await fixture<HTMLElement>(html`<div></div>`);
  // Built as markup so that each call's attributes are there before it starts.
  root.innerHTML = Array.from({ length: count }, () => `<rtc-call sfu="janus" video ${attrs} signaling="${janusUrl}" room="${room}"><div data-rtc-videos></div></rtc-call>`).join('');
  return { root, calls: [...root.querySelectorAll('rtc-call')] as RtcCall[] };
}

/** The remote videos a call shows, and how many of them decode frames. */
const remoteVideos = (call: RtcCall) => [...call.querySelectorAll('[data-rtc-videos] rtc-video[remote]')] as RtcVideo[];
const playing = (call: RtcCall) => remoteVideos(call).filter((v) => framesShown(v.videoElement)).length;

describe('<rtc-call sfu="janus">', function () {
  this.timeout(90000);

  it('shows every other participant\'s video, and takes away the video of one who leaves', async () => {
    const { calls } = await sfuCalls(3);
    await until(() => calls.every((c) => remoteVideos(c).length === 2 && playing(c) === 2), ROOM_MS, 'two playing remote videos in each call');
    expect(calls[0].peers).to.have.length(2);
    calls[2].hangUp();
    await until(() => calls.slice(0, 2).every((c) => remoteVideos(c).length === 1), ROOM_MS, 'the leaver\'s video gone');
    expect(playing(calls[0])).to.equal(1);
    for (const call of calls) call.hangUp();
  });
});
