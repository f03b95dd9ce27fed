/**
 * Every error the engine raises is a `WebRtcError` with a stable `code`, so callers can branch on
 * `error.code` without parsing messages. Where the browser raised the error, its message is kept
 * in `message` and the original error in `cause`.
 */
export type WebRtcErrorCode =
  | 'sdp'
  | 'ice'
  | 'data-channel-closed'
  | 'data-channel'
  | 'media-device'
  | 'media-permission'
  | 'client-closed'
  | 'connection-closed'
  | 'track'
  | 'signaling'
  | 'load'
  | 'config';

export class WebRtcError extends Error {
  readonly code: WebRtcErrorCode | string;
  /** A finer reason within the code, for example `message-too-big` or `receive-queue-overflow`. */
  readonly reason: string | undefined;

  constructor(code: WebRtcErrorCode | string, message: string, options: { cause?: unknown; reason?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // The class's name (ours are spelled out below, since minifiers rename classes); a subclass of yours gets its own.
    this.name = new.target.name;
    this.code = code;
    this.reason = options.reason;
  }
}

/** Creating, setting or parsing a session description failed. */
export class SdpError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('sdp', message, options);
  }
}

/** Adding a candidate, gathering or the ICE transport failed. */
export class IceError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('ice', message, options);
  }
}

/** The data channel is closed (or closed while an operation waited). */
export class DataChannelClosedError extends WebRtcError {
  constructor(message = 'The data channel is closed', options?: { cause?: unknown; reason?: string }) {
    super('data-channel-closed', message, options);
  }
}

/** A data channel operation failed for a reason other than being closed. */
export class DataChannelError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('data-channel', message, options);
  }
}

/** No media device fits the constraints, or the device could not be started. */
export class MediaDeviceError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('media-device', message, options);
  }
}

/** The user or a permissions policy denied access to a camera, microphone or screen. */
export class MediaPermissionError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('media-permission', message, options);
  }
}

/** The client was closed: nothing more can be created with it. */
export class ClientClosedError extends WebRtcError {
  constructor(message = 'The WebRTC client is closed', options?: { cause?: unknown; reason?: string }) {
    super('client-closed', message, options);
  }
}

/** The peer connection is closed (or closed while an operation waited). */
export class ConnectionClosedError extends WebRtcError {
  constructor(message = 'The peer connection is closed', options?: { cause?: unknown; reason?: string }) {
    super('connection-closed', message, options);
  }
}

/** Sending a track failed: `addTrack`, `removeTrack` or a sender's `replaceTrack`. */
export class TrackError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('track', message, options);
  }
}

/**
 * A setting cannot work: an element's attribute out of range (reason `bad-config`) or changed too
 * late (`after-start`), or no `RTCPeerConnection` to use (`no-peer-connection`).
 */
export class ConfigError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('config', message, options);
  }
}

/** A signal message was malformed, too big, or could not be delivered. */
export class SignalingError extends WebRtcError {
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super('signaling', message, options);
  }
}

/**
 * A part loaded on first use (statistics, WHIP/WHEP, file transfer, mesh) did not load: with the
 * script-tag bundle these are the `rtc-elements-*.js` files that must sit next to it.
 */
export class LoadError extends WebRtcError {
  constructor(part: string, cause: unknown) {
    super(
      'load',
      `The ${part} part did not load (${messageOf(cause)}): serve rtc-elements-*.js next to rtc-elements.js`,
      { cause },
    );
  }
}

// Consoles print `name`: the classes keep theirs in the minified script-tag bundle too.
for (const [name, errorClass] of Object.entries({
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
}))
  Object.defineProperty(errorClass, 'name', { value: name });

/** Imports a part on first use; a failure is a `LoadError` naming the part. */
export function loadPart<T>(part: string, load: () => Promise<T>): Promise<T> {
  return load().catch((cause: unknown) => {
    throw new LoadError(part, cause);
  });
}

/** The message of anything thrown, for wrapping browser errors. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
