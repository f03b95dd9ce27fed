/**
 * The script-tag bundle (`dist/rtc-elements.js`): registers the three elements and exports what a
 * page without a build step needs next to them. The full engine is the package's ESM entry.
 */
import './define.js';
export { RtcCall, RtcDataChannel, RtcVideo } from './index.js';
export { WebRtcClient, WebSocketSignaler, BroadcastChannelSignaler, createSignalerPair, SignalingSession, WebRtcError } from '../src/index.js';
