import { ClientClosedError, ConfigError, IceError, loadPart, messageOf } from './errors.js';
import {
  WebRtcMediaTrack,
  toMediaTrackConstraints,
  type AudioTrackConstraints,
  type VideoTrackConstraints,
} from './media.js';
import { WebRtcPeerConnection, type PeerConnectionOptions } from './peer-connection.js';
import type { IceServer } from './types.js';
import type { DetailListener, RemoveDetailListener } from './typed-events.js';
import { CHANNEL_SIZES, checkCounts } from './validate.js';

/** Ktor's `WebRtcConnectionConfig`: what a connection is created with. */
export interface ConnectionConfig {
  iceServers?: IceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  bundlePolicy?: RTCBundlePolicy;
  rtcpMuxPolicy?: RTCRtcpMuxPolicy;
  iceCandidatePoolSize?: number;
  /** When set, each connection fires a `stats` event this often. */
  statsIntervalMs?: number;
  /** Defaults for data channels (`receiveQueueBytes`, `highWaterMark`, `bufferedAmountLowThreshold`). */
  dataChannelDefaults?: PeerConnectionOptions['dataChannelDefaults'];
}

/** What the client needs of `navigator.mediaDevices` (only `getUserMedia` is required). */
export type MediaSource = Pick<MediaDevices, 'getUserMedia'> &
  Partial<Pick<MediaDevices, 'getDisplayMedia' | 'enumerateDevices' | 'addEventListener' | 'removeEventListener'>>;

/** A camera, microphone or speaker (`listDevices()`). Labels are empty until the page has permission. */
export interface MediaDeviceDescription {
  deviceId: string;
  kind: MediaDeviceKind;
  label: string;
  groupId: string;
}

/** `createScreenTrack` options: ideals for the captured video, and whether to offer the current tab first. */
export interface ScreenTrackConstraints {
  width?: number;
  height?: number;
  frameRate?: number;
  preferCurrentTab?: boolean;
}

export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

export interface WebRtcClientConfig {
  /** ICE servers for every connection (Ktor's `iceServers`). */
  iceServers?: IceServer[];
  /** Defaults for every connection; `createPeerConnection(config)` overrides them. */
  defaultConnectionConfig?: ConnectionConfig;
  /** Where tracks come from. Defaults to `navigator.mediaDevices`. */
  mediaDevices?: MediaSource;
  /**
   * The peer connection implementation. Defaults to the browser's; lets the engine run on Node stacks such as werift.
   */
  RTCPeerConnection?: PeerConnectionConstructor;
}

/** Device lists and screen capture, loaded on first use (a sibling file of the script-tag bundle). */
const loadDevices = () => loadPart('devices', () => import('./devices.js'));
/** A media failure as our error: only failures need the mapping, so it comes with the devices part. */
const mediaError = async (error: unknown, kind: string) => (await loadDevices()).toMediaError(error, kind);

export interface ClientEventDetail {
  /** A camera, microphone or speaker came or went. */
  devicechange: { devices: MediaDeviceDescription[] };
}

export interface WebRtcClient {
  removeEventListener: RemoveDetailListener<ClientEventDetail>;
}

/**
 * The entry point (Ktor's `WebRtcClient`): makes peer connections and local tracks and owns them,
 * so that `close()` releases everything it made.
 */
export class WebRtcClient extends EventTarget {
  readonly config: WebRtcClientConfig;
  readonly #connections = new Set<WebRtcPeerConnection>();
  readonly #tracks = new Set<WebRtcMediaTrack>();
  #closed = false;

  readonly #onDeviceChange = () => {
    void this.listDevices().then(
      (devices) => this.dispatchEvent(new CustomEvent('devicechange', { detail: { devices } })),
      () => {},
    );
  };

  /** Whether the client follows the media devices' `devicechange` (only once someone listens for it). */
  #watchingDevices = false;

  constructor(config: WebRtcClientConfig = {}) {
    super();
    this.config = config;
  }

  /**
   * `devicechange` (detail `{devices}`) when a camera or microphone comes or goes. The client
   * follows the devices only from the first such listener on: in Chromium, following them slows
   * every connection set up meanwhile.
   */
  override addEventListener<K extends keyof ClientEventDetail>(
    type: K,
    listener: DetailListener<ClientEventDetail[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
    if (type === 'devicechange' && listener && !this.#watchingDevices && !this.#closed) {
      this.#watchingDevices = true;
      this.#deviceSource?.addEventListener?.('devicechange', this.#onDeviceChange);
    }
  }

  /** Cameras, microphones and speakers (Ktor has none of this). */
  async listDevices(kind?: MediaDeviceKind): Promise<MediaDeviceDescription[]> {
    const source = await this.#usableDevices();
    return (await loadDevices()).listDevices(source, kind);
  }

  /** A screen, window or tab (`getDisplayMedia`): the user picks. Ends when the user stops sharing. */
  async createScreenTrack(constraints: ScreenTrackConstraints = {}): Promise<WebRtcMediaTrack> {
    this.#assertOpen();
    const source = await this.#usableDevices();
    return this.#adopt(await (await loadDevices()).screenTrack(source, constraints), 'video', 'screen');
  }

  async #adopt(
    native: MediaStreamTrack | undefined,
    kind: 'audio' | 'video',
    label: string,
  ): Promise<WebRtcMediaTrack> {
    if (!native) throw await mediaError(new DOMException(`The ${label} gave no ${kind} track`, 'NotFoundError'), label);
    if (this.#closed) {
      // The client closed while the user was asked: release the device at once.
      native.stop();
      throw new ClientClosedError();
    }
    const track = new WebRtcMediaTrack(native, (closed) => this.#tracks.delete(closed));
    this.#tracks.add(track);
    return track;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Connections made by this client and not yet closed. */
  get openConnections(): readonly WebRtcPeerConnection[] {
    return [...this.#connections];
  }

  /** Local tracks made by this client and not yet closed. */
  get openTracks(): readonly WebRtcMediaTrack[] {
    return [...this.#tracks];
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClientClosedError();
  }

  createPeerConnection(config: ConnectionConfig = {}): WebRtcPeerConnection {
    this.#assertOpen();
    const merged: ConnectionConfig = { ...this.config.defaultConnectionConfig, ...config };
    const iceServers =
      config.iceServers ?? this.config.defaultConnectionConfig?.iceServers ?? this.config.iceServers ?? [];
    const rtcConfig: RTCConfiguration = { iceServers };
    if (merged.iceTransportPolicy) rtcConfig.iceTransportPolicy = merged.iceTransportPolicy;
    if (merged.bundlePolicy) rtcConfig.bundlePolicy = merged.bundlePolicy;
    if (merged.rtcpMuxPolicy) rtcConfig.rtcpMuxPolicy = merged.rtcpMuxPolicy;
    if (merged.iceCandidatePoolSize !== undefined) rtcConfig.iceCandidatePoolSize = merged.iceCandidatePoolSize;
    checkCounts(
      { ...merged.dataChannelDefaults, statsIntervalMs: merged.statsIntervalMs },
      `${CHANNEL_SIZES} statsIntervalMs`,
    );
    const Constructor = this.config.RTCPeerConnection ?? globalThis.RTCPeerConnection;
    if (!Constructor)
      throw new ConfigError('No RTCPeerConnection here: pass one in the config', { reason: 'no-peer-connection' });
    let native: RTCPeerConnection;
    try {
      native = new Constructor(rtcConfig);
    } catch (error) {
      // A URL that is not stun:/turn:, a TURN server without credentials…
      throw new IceError(`The browser refused the iceServers: ${messageOf(error)}`, {
        cause: error,
        reason: 'bad-config',
      });
    }
    const connection = new WebRtcPeerConnection(native, {
      statsIntervalMs: merged.statsIntervalMs,
      dataChannelDefaults: merged.dataChannelDefaults,
      onClose: (closed) => this.#connections.delete(closed),
    });
    this.#connections.add(connection);
    return connection;
  }

  /** Where tracks and device lists come from, if anywhere (an insecure page has none). */
  get #deviceSource(): MediaSource | undefined {
    return this.config.mediaDevices ?? globalThis.navigator?.mediaDevices;
  }

  async #usableDevices(): Promise<MediaSource> {
    const devices = this.#deviceSource;
    if (!devices)
      throw await mediaError(new DOMException('No mediaDevices (an insecure page?)', 'NotFoundError'), 'media device');
    return devices;
  }

  async #createTrack(kind: 'audio' | 'video', constraints: MediaTrackConstraints): Promise<WebRtcMediaTrack> {
    this.#assertOpen();
    const label = kind === 'audio' ? 'microphone' : 'camera';
    let stream: MediaStream;
    try {
      stream = await (await this.#usableDevices()).getUserMedia({ [kind]: constraints });
    } catch (error) {
      throw await mediaError(error, label);
    }
    const native = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    return this.#adopt(native, kind, label);
  }

  /** A microphone track (Ktor's `createAudioTrack`). */
  createAudioTrack(constraints: AudioTrackConstraints = {}): Promise<WebRtcMediaTrack> {
    return this.#createTrack('audio', toMediaTrackConstraints(constraints));
  }

  /** A camera track (Ktor's `createVideoTrack`). */
  async createVideoTrack(constraints: VideoTrackConstraints = {}): Promise<WebRtcMediaTrack> {
    const track = await this.#createTrack('video', toMediaTrackConstraints(constraints));
    if (constraints.simulcast?.length) track.sendEncodings = constraints.simulcast.map((layer) => ({ ...layer }));
    return track;
  }

  /** Closes every connection and stops every track this client made. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watchingDevices) this.#deviceSource?.removeEventListener?.('devicechange', this.#onDeviceChange);
    for (const connection of [...this.#connections]) connection.close();
    for (const track of [...this.#tracks]) track.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
