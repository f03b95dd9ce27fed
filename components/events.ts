import type {
  DataChannelMessage,
  IceCandidate,
  Quality,
  WebRtcStatistics,
  TrackEvent,
  WebRtcDataChannel,
  WebRtcError,
  WebRtcMediaTrack,
} from '../src/index.js';
import type { FileProgress, IncomingFile } from './rtc-data-channel/file-transfer.js';

/** The `detail` of every `rtc-*` event the elements fire. */
export interface RtcEventDetailMap {
  /**
   * In a mesh, the call's connection events (these, rtc-track, rtc-reconnecting / rtc-reconnected, and its rtc-close)
   * name their `peer`.
   */
  'rtc-icecandidate': { candidate: IceCandidate | null; peer?: string };
  'rtc-statechange': { state: RTCPeerConnectionState; peer?: string };
  'rtc-negotiationneeded': { peer?: string };
  'rtc-track': { type: TrackEvent['type']; track: WebRtcMediaTrack; streams: readonly MediaStream[]; peer?: string };
  'rtc-datachannel': { channel: WebRtcDataChannel; peer?: string };
  'rtc-reconnecting': { reason: string; peer?: string };
  'rtc-reconnected': { reason: string; peer?: string };
  /** The call's local or remote streams changed (what `<rtc-video>` follows). */
  'rtc-streams': { localStream: MediaStream | null; remoteStreams: readonly MediaStream[] };
  /** A remote peer is connected to the call (its id, when the signaler gives ids). */
  'rtc-peer': { id: string | undefined };
  /** The remote side muted or unmuted a track (disabled, stopped, or restarted it). */
  'rtc-mute': { track: WebRtcMediaTrack; kind: 'audio' | 'video' };
  'rtc-unmute': { track: WebRtcMediaTrack; kind: 'audio' | 'video' };
  /** With `stats-interval`: the statistics, the candidate pair in use and a coarse quality. */
  'rtc-stats': {
    statistics: WebRtcStatistics;
    quality: Quality;
    rttMs: number | null;
    lossPercent: number;
    localCandidateType: string | null;
    remoteCandidateType: string | null;
    relayed: boolean;
    /** In a mesh: whose connection. */ peer?: string;
  };
  'rtc-open': { channel: WebRtcDataChannel; peer?: string };
  'rtc-file': { file: IncomingFile };
  'rtc-file-progress': FileProgress;
  /** In a mesh, `peer` says who sent it. */
  'rtc-message': { data: DataChannelMessage; peer?: string };
  'rtc-bufferedamountlow': { bufferedAmount: number };
  /** The call's end (in a mesh, one peer's connection). */
  'rtc-close': { reason: string; peer?: string };
  /** The call's failures. */
  'rtc-error': { error: WebRtcError; code: string };
  /** A `<rtc-data-channel>`'s channel closed (in a mesh, the one to `peer`); the call goes on. */
  'rtc-channel-close': { reason: string; peer?: string };
  /** A `<rtc-data-channel>` failed (its sends, files, options, channel id). */
  'rtc-channel-error': { error: WebRtcError; code: string };
}

export type RtcEventName = keyof RtcEventDetailMap;
export type RtcEvent<K extends RtcEventName> = CustomEvent<RtcEventDetailMap[K]>;

declare global {
  interface HTMLElementEventMap {
    'rtc-icecandidate': RtcEvent<'rtc-icecandidate'>;
    'rtc-statechange': RtcEvent<'rtc-statechange'>;
    'rtc-negotiationneeded': RtcEvent<'rtc-negotiationneeded'>;
    'rtc-track': RtcEvent<'rtc-track'>;
    'rtc-datachannel': RtcEvent<'rtc-datachannel'>;
    'rtc-reconnecting': RtcEvent<'rtc-reconnecting'>;
    'rtc-reconnected': RtcEvent<'rtc-reconnected'>;
    'rtc-streams': RtcEvent<'rtc-streams'>;
    'rtc-peer': RtcEvent<'rtc-peer'>;
    'rtc-mute': RtcEvent<'rtc-mute'>;
    'rtc-unmute': RtcEvent<'rtc-unmute'>;
    'rtc-stats': RtcEvent<'rtc-stats'>;
    'rtc-open': RtcEvent<'rtc-open'>;
    'rtc-file': RtcEvent<'rtc-file'>;
    'rtc-file-progress': RtcEvent<'rtc-file-progress'>;
    'rtc-message': RtcEvent<'rtc-message'>;
    'rtc-bufferedamountlow': RtcEvent<'rtc-bufferedamountlow'>;
    'rtc-close': RtcEvent<'rtc-close'>;
    'rtc-error': RtcEvent<'rtc-error'>;
    'rtc-channel-close': RtcEvent<'rtc-channel-close'>;
    'rtc-channel-error': RtcEvent<'rtc-channel-error'>;
  }
}

/** Fires an `rtc-*` event: bubbling and composed, so it crosses shadow roots like a native one. */
export function fire<K extends RtcEventName>(target: EventTarget, type: K, detail: RtcEventDetailMap[K]): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Fires `rtc-error` (or `type`) for anything thrown, as a `WebRtcError` with its code. */
export function fireError(
  target: EventTarget,
  error: unknown,
  wrap: (message: string, cause: unknown) => WebRtcError,
  type: 'rtc-error' | 'rtc-channel-error' = 'rtc-error',
): void {
  const typed =
    error instanceof Error && typeof (error as WebRtcError).code === 'string'
      ? (error as WebRtcError)
      : wrap(error instanceof Error ? error.message : String(error), error);
  fire(target, type, { error: typed, code: typed.code });
}
