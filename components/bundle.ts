/**
 * The script-tag bundle (`dist/rtc-elements.js`): registers the three elements and exports what a
 * page without a build step needs next to them. The full engine is the package's ESM entry.
 * WHIP/WHEP, file transfer, statistics, the mesh and fragment mode load from sibling files when first used (they
 * import their few shared pieces, the errors, from this file).
 */
import './define.js';
export { RtcCall, RtcDataChannel, RtcVideo } from './index.js';
export { WebRtcClient, WebSocketSignaler, SignalingSession } from '../src/index.js';
export {
  WebRtcError,
  SdpError,
  IceError,
  DataChannelClosedError,
  DataChannelError,
  MediaDeviceError,
  MediaPermissionError,
  ClientClosedError,
  ConnectionClosedError,
  TrackError,
  ConfigError,
  SignalingError,
  LoadError,
  // Not for pages: the sibling files take it from here.
  messageOf,
} from '../src/errors.js';
