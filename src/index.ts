/**
 * The rtc-elements engine: a thin, framework-free WebRTC client after Ktor's, plus signaling.
 * What users need only: the elements and tests import internals by file path.
 */
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
  type WebRtcErrorCode,
} from './errors.js';
export type * from './types.js';
export type * from './typed-events.js';
export { EventStream } from './event-stream.js';
export { WebRtcClient } from './client.js';
export type {
  ClientEventDetail,
  ConnectionConfig,
  WebRtcClientConfig,
  PeerConnectionConstructor,
  MediaSource,
  MediaDeviceDescription,
  ScreenTrackConstraints,
} from './client.js';
export { WebRtcPeerConnection } from './peer-connection.js';
export type {
  TrackEvent,
  WebRtcRtpSender,
  PeerConnectionOptions,
  PeerConnectionEventDetail,
} from './peer-connection.js';
export { WebRtcDataChannel } from './data-channel.js';
export { channelIdFor } from './channel-id.js';
export type {
  DataChannelEvent,
  DataChannelEventDetail,
  DataChannelEventType,
  DataChannelMessage,
  DataChannelOptions,
  DataChannelSendable,
} from './data-channel.js';
export { WebRtcMediaTrack } from './media.js';
export type { AudioTrackConstraints, VideoTrackConstraints, FacingMode, ResizeMode, SimulcastLayer } from './media.js';
export { qualityOf } from './stats.js';
export type { WebRtcStatistics, StatsEntry, StatsSummary, CandidateType, Quality } from './stats.js';
export { MAX_SDP_BYTES, MAX_CANDIDATE_BYTES } from './validate.js';
export { SignalingSession } from './signaling/session.js';
export type { SessionOptions, SessionEventDetail } from './signaling/session.js';
export type { IceRestartOptions } from './signaling/ice-restart.js';
export { parseSignalMessage, MAX_SIGNAL_BYTES, MAX_PEER_ID_LENGTH } from './signaling/signal-message.js';
export { createSignalerPair } from './signaling/pair-signaler.js';
export { BroadcastChannelSignaler } from './signaling/broadcast-channel-signaler.js';
export { WebSocketSignaler } from './signaling/websocket-signaler.js';
export type {
  WebSocketSignalerOptions,
  WebSocketSignalerState,
  WebSocketSignalerEventDetail,
} from './signaling/websocket-signaler.js';
export { WhipSignaler, parseIceServerLinks } from './signaling/whip-signaler.js';
export type { WhipSignalerOptions, WhipSignalerEventDetail } from './signaling/whip-signaler.js';
export { JanusSignaler, JANUS_PUBLISHER, JANUS_SUBSCRIBER } from './signaling/janus-signaler.js';
export type { JanusSignalerOptions, JanusFeed, JanusStream } from './signaling/janus-signaler.js';
