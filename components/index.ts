/** The element classes, without registering them (import `define.js` for that). */
export { RtcCall, type CallChannel } from './rtc-call/rtc-call.js';
export { RtcDataChannel } from './rtc-data-channel/rtc-data-channel.js';
export { channelIdFor } from '../src/channel-id.js';
export { RtcVideo } from './rtc-video/rtc-video.js';
export type { RtcEventDetailMap, RtcEventName, RtcEvent } from './events.js';
