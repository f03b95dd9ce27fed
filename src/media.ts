import { MediaDeviceError, MediaPermissionError, messageOf, type WebRtcError } from './errors.js';

/**
 * Ktor's `WebRtcMedia.AudioTrackConstraints`, plus `deviceId`. Values are ideals, except `deviceId`, which is exact.
 */
export interface AudioTrackConstraints {
  echoCancellation?: boolean;
  autoGainControl?: boolean;
  noiseSuppression?: boolean;
  sampleRate?: number;
  sampleSize?: number;
  channelCount?: number;
  latency?: number;
  volume?: number;
  deviceId?: string;
}

export type FacingMode = 'user' | 'environment' | 'left' | 'right';
export type ResizeMode = 'none' | 'crop-and-scale';

/**
 * Ktor's `WebRtcMedia.VideoTrackConstraints`, plus `deviceId`. Values are ideals, except `deviceId`, which is exact.
 */
export interface VideoTrackConstraints {
  width?: number;
  height?: number;
  frameRate?: number;
  aspectRatio?: number;
  facingMode?: FacingMode;
  resizeMode?: ResizeMode;
  deviceId?: string;
  /**
   * Simulcast: one encoding per entry, each with a `rid` and a `scaleResolutionDownBy` (and
   * optionally `maxBitrate`). `addTrack` sends the track with these encodings.
   */
  simulcast?: SimulcastLayer[];
}

export interface SimulcastLayer {
  rid: string;
  scaleResolutionDownBy?: number;
  maxBitrate?: number;
  active?: boolean;
}

/** Turns our flat constraints into `MediaTrackConstraints`: plain values are ideals; `deviceId` must match. */
export function toMediaTrackConstraints(
  constraints: AudioTrackConstraints | VideoTrackConstraints = {},
): MediaTrackConstraints {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(constraints)) {
    if (value === undefined || key === 'simulcast') continue;
    result[key] = key === 'deviceId' ? { exact: value } : value;
  }
  return result as MediaTrackConstraints;
}

/** Maps a `getUserMedia` failure to `MediaPermissionError` or `MediaDeviceError`, keeping the browser's message. */
export function toMediaError(error: unknown, kind: string): WebRtcError {
  const name = (error as { name?: string } | null)?.name ?? '';
  const detail = messageOf(error);
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return new MediaPermissionError(`Access to the ${kind} was denied: ${detail}`, { cause: error, reason: name });
  }
  if (name === 'OverconstrainedError') {
    const constraint = (error as { constraint?: string }).constraint;
    return new MediaDeviceError(`No ${kind} fits the constraints${constraint ? ` (${constraint})` : ''}: ${detail}`, {
      cause: error,
      reason: name,
    });
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError') {
    return new MediaDeviceError(`No ${kind} was found: ${detail}`, { cause: error, reason: name });
  }
  return new MediaDeviceError(`The ${kind} could not be started: ${detail}`, {
    cause: error,
    reason: name || 'unknown',
  });
}

/**
 * A local or remote media track (Ktor's `WebRtcMedia.Track`): `id`, `kind`, `enabled`, and the
 * native `MediaStreamTrack`. `close()` stops a local track; on a remote track it only detaches it.
 */
export class WebRtcMediaTrack {
  readonly native: MediaStreamTrack;
  /** Encodings `addTrack` sends this track with (simulcast), when set. */
  sendEncodings: RTCRtpEncodingParameters[] | undefined;
  #closed = false;
  readonly #onClose: ((track: WebRtcMediaTrack) => void) | undefined;

  constructor(native: MediaStreamTrack, onClose?: (track: WebRtcMediaTrack) => void) {
    this.native = native;
    this.#onClose = onClose;
  }

  get id(): string {
    return this.native.id;
  }
  get kind(): 'audio' | 'video' {
    return this.native.kind as 'audio' | 'video';
  }
  get enabled(): boolean {
    return this.native.enabled;
  }
  set enabled(value: boolean) {
    this.native.enabled = value;
  }
  get muted(): boolean {
    return this.native.muted;
  }
  get readyState(): MediaStreamTrackState {
    return this.native.readyState;
  }
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Stops the track (the camera light goes off). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.native.stop();
    this.#onClose?.(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
