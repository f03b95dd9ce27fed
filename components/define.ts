import { RtcCall } from './rtc-call/rtc-call.js';
import { RtcDataChannel } from './rtc-data-channel/rtc-data-channel.js';
import { RtcVideo } from './rtc-video/rtc-video.js';

/** Registers the three tags (in `registry`, default the page's). Idempotent. */
export function defineRtcElements(registry: CustomElementRegistry = customElements): void {
  const tags: Array<[string, CustomElementConstructor]> = [
    ['rtc-call', RtcCall],
    ['rtc-data-channel', RtcDataChannel],
    ['rtc-video', RtcVideo],
  ];
  for (const [tag, element] of tags) if (!registry.get(tag)) registry.define(tag, element);
}

defineRtcElements();

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
    'rtc-data-channel': RtcDataChannel;
    'rtc-video': RtcVideo;
  }
}
