import { WebRtcDataChannel, type DataChannelEvent, type DataChannelOptions } from './data-channel.js';
import {
  ConnectionClosedError,
  DataChannelError,
  IceError,
  SdpError,
  TrackError,
  loadPart,
  messageOf,
  type WebRtcError,
} from './errors.js';
import { EventStream, type EventStreamWriter } from './event-stream.js';
import { WebRtcMediaTrack } from './media.js';
import type { WebRtcStatistics } from './stats.js';
import type { TurnFailure } from './ice-diagnosis.js';
import type { IceCandidate, IceServer, SessionDescription } from './types.js';
import type { DetailListener } from './typed-events.js';
import { CHANNEL_SIZES, checkCounts, toIceCandidate, toSessionDescription } from './validate.js';

/**
 * The largest message sent whole, whatever `maxMessageSize` says: Firefox↔Firefox announces 1 GiB,
 * but one message above 8 MiB never arrives and blocks the channel (8 MiB + 1 byte does not).
 */
const MESSAGE_CAP = 8 * 1024 * 1024;

/** One entry of `trackEvents` (Ktor's `TrackEvent.Add` / `TrackEvent.Remove`). */
export interface TrackEvent {
  type: 'add' | 'remove';
  track: WebRtcMediaTrack;
  streams: readonly MediaStream[];
}

/** What `addTrack` returns: the native sender, and the one thing most callers do with it. */
export interface WebRtcRtpSender {
  readonly native: RTCRtpSender;
  readonly track: MediaStreamTrack | null;
  replaceTrack(track: WebRtcMediaTrack | MediaStreamTrack | null): Promise<void>;
}

export interface PeerConnectionOptions {
  /** When set, a `stats` event carries `getStatistics()` this often. */
  statsIntervalMs?: number;
  /** Defaults for channels this connection creates or receives. */
  dataChannelDefaults?: Pick<DataChannelOptions, 'receiveQueueBytes' | 'highWaterMark' | 'bufferedAmountLowThreshold'>;
  /** @internal the client's bookkeeping. */
  onClose?: (connection: WebRtcPeerConnection) => void;
}

export interface PeerConnectionEventDetail {
  icecandidate: { candidate: IceCandidate | null };
  datachannel: { channel: WebRtcDataChannel };
  track: TrackEvent;
  negotiationneeded: Record<string, never>;
  statechange: { state: RTCPeerConnectionState };
  iceconnectionstatechange: { state: RTCIceConnectionState };
  icegatheringstatechange: { state: RTCIceGatheringState };
  signalingstatechange: { state: RTCSignalingState };
  stats: { statistics: WebRtcStatistics };
  error: { error: WebRtcError };
}

function toJsonCandidate(candidate: RTCIceCandidate): IceCandidate {
  // werift (Node) gives the line without the `candidate:` prefix that browsers require (docs/PROTOCOL.md).
  const line = candidate.candidate;
  const json: IceCandidate = {
    candidate: line && !line.startsWith('candidate:') ? `candidate:${line}` : line,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
  };
  if (candidate.usernameFragment) json.usernameFragment = candidate.usernameFragment;
  return json;
}

function toJsonDescription(
  description: RTCSessionDescriptionInit | RTCSessionDescription | null | undefined,
): SessionDescription | null {
  if (!description || !description.type) return null;
  return { type: description.type, sdp: description.sdp ?? '' };
}

/**
 * A peer connection with Ktor's API over a native `RTCPeerConnection`. Values in and out are
 * plain JSON; failures are `SdpError` / `IceError`; every native event is also an async iterable
 * (`iceCandidates`, `dataChannelEvents`, `trackEvents`) that replays what happened so far.
 */
export class WebRtcPeerConnection extends EventTarget {
  readonly native: RTCPeerConnection;
  // The write sides of the three streams below: readers get the streams only.
  #candidateWriter!: EventStreamWriter<IceCandidate>;
  #channelEventWriter!: EventStreamWriter<DataChannelEvent>;
  #trackEventWriter!: EventStreamWriter<TrackEvent>;
  /** Local candidates, replayed from the first; ends when the connection closes. */
  readonly iceCandidates = new EventStream<IceCandidate>((writer) => (this.#candidateWriter = writer));
  /** Open, closing, closed, bufferedamountlow and error of every channel, local or remote. */
  readonly dataChannelEvents = new EventStream<DataChannelEvent>((writer) => (this.#channelEventWriter = writer), 1000);
  /** Remote tracks added and removed. */
  readonly trackEvents = new EventStream<TrackEvent>((writer) => (this.#trackEventWriter = writer), 1000);

  readonly #options: PeerConnectionOptions;
  #pendingCandidates: Array<IceCandidate | null> = [];
  /** Remote descriptions being set (candidates behind one go straight to the browser). */
  #settingRemote = 0;
  readonly #channels = new Set<WebRtcDataChannel>();
  readonly #remoteTracks = new Map<MediaStreamTrack, WebRtcMediaTrack>();
  #localStream: MediaStream | undefined;
  #closed = false;
  #negotiationNeeded = false;
  /** Who listens for negotiationneeded (a count would drift with `once` and `signal` listeners). */
  readonly #negotiationListeners = new Set<EventListenerOrEventListenerObject>();
  readonly #onceNegotiationListeners = new Set<EventListenerOrEventListenerObject>();
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  /** The SCTP transport's `maxMessageSize`, read once per negotiation (Firefox reads it slowly). */
  #messageLimit: number | undefined;
  /** The last stats failure reported (a failing tick repeats it). */
  #statsFailure = '';
  /** The last TURN failure the browser reported (`icecandidateerror`), so that an error can say why. */
  #turnError: TurnFailure | undefined;
  /** A relay-only connection's gatherings are watched (from its first). */
  #relayWatched = false;

  constructor(native: RTCPeerConnection, options: PeerConnectionOptions = {}) {
    super();
    this.native = native;
    this.#options = options;
    native.addEventListener('icecandidate', (event) =>
      this.#onIceCandidate((event as RTCPeerConnectionIceEvent).candidate),
    );
    native.addEventListener('datachannel', (event) =>
      this.#adoptChannel((event as RTCDataChannelEvent).channel, {}, true),
    );
    native.addEventListener('track', (event) => this.#onTrack(event as RTCTrackEvent));
    native.addEventListener('negotiationneeded', () => this.#onNegotiationNeeded());
    native.addEventListener('connectionstatechange', () => {
      if (this.#closed) return;
      this.#fire('statechange', { state: this.state });
    });
    native.addEventListener('iceconnectionstatechange', () => {
      if (this.#closed) return;
      const state = this.iceConnectionState;
      this.#fire('iceconnectionstatechange', { state });
      if (state === 'failed') void this.#diagnose((diagnosis) => diagnosis.iceFailure(this, this.#turnError));
    });
    native.addEventListener('icecandidateerror', (event) => {
      const { url, errorCode, errorText } = event as RTCPeerConnectionIceErrorEvent;
      if (/^turns?:/.test(url ?? '')) this.#turnError = { code: errorCode, text: errorText };
    });
    native.addEventListener('icegatheringstatechange', () => {
      if (this.#closed) return;
      const state = this.iceGatheringState;
      this.#fire('icegatheringstatechange', { state });
      if (state === 'gathering' && !this.#relayWatched && native.getConfiguration().iceTransportPolicy === 'relay') {
        this.#relayWatched = true;
        void this.#diagnose((diagnosis) =>
          diagnosis.watchRelay(
            this,
            () => this.#turnError,
            (error) => this.#fire('error', { error }),
          ),
        );
      }
    });
    native.addEventListener('signalingstatechange', () => {
      if (this.#closed) return;
      // Someone is negotiating: a pending negotiationneeded no longer needs replaying.
      if (this.signalingState !== 'stable') this.#negotiationNeeded = false;
      // A description may change the remote's message size limit.
      this.#messageLimit = undefined;
      this.#fire('signalingstatechange', { state: this.signalingState });
    });
    if (options.statsIntervalMs && options.statsIntervalMs > 0) {
      this.#statsTimer = setInterval(() => void this.#emitStats(), options.statsIntervalMs);
    }
  }

  #fire<K extends keyof PeerConnectionEventDetail>(type: K, detail: PeerConnectionEventDetail[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---- state ----

  get state(): RTCPeerConnectionState {
    return this.#closed ? 'closed' : this.native.connectionState;
  }
  get iceConnectionState(): RTCIceConnectionState {
    return this.#closed ? 'closed' : this.native.iceConnectionState;
  }
  get iceGatheringState(): RTCIceGatheringState {
    return this.native.iceGatheringState;
  }
  get signalingState(): RTCSignalingState {
    return this.#closed ? 'closed' : this.native.signalingState;
  }
  // Firefox throws reading these on a closed connection (a negotiation step still waiting then read them).
  get localDescription(): SessionDescription | null {
    return this.#closed ? null : toJsonDescription(this.native.localDescription);
  }
  get remoteDescription(): SessionDescription | null {
    return this.#closed ? null : toJsonDescription(this.native.remoteDescription);
  }
  get isClosed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ConnectionClosedError();
  }

  // ---- session descriptions ----

  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionDescription> {
    this.#assertOpen();
    try {
      return toJsonDescription(await this.native.createOffer(options)) as SessionDescription;
    } catch (error) {
      throw new SdpError(`createOffer failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async createAnswer(): Promise<SessionDescription> {
    this.#assertOpen();
    try {
      return toJsonDescription(await this.native.createAnswer()) as SessionDescription;
    } catch (error) {
      throw new SdpError(`createAnswer failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Sets the local description; without an argument the browser creates the right one (offer or answer). */
  async setLocalDescription(description?: SessionDescription): Promise<void> {
    this.#assertOpen();
    const clean = description === undefined ? undefined : toSessionDescription(description);
    try {
      await this.native.setLocalDescription(clean as RTCSessionDescriptionInit);
    } catch (error) {
      throw new SdpError(`setLocalDescription(${clean?.type ?? 'implicit'}) failed: ${messageOf(error)}`, {
        cause: error,
      });
    }
    this.#reportRemovedTracks();
  }

  /** Sets the remote description, then applies the candidates that arrived before it. */
  async setRemoteDescription(description: SessionDescription): Promise<void> {
    this.#assertOpen();
    const clean = toSessionDescription(description);
    this.#settingRemote++;
    try {
      await this.native.setRemoteDescription(clean as RTCSessionDescriptionInit);
    } catch (error) {
      throw new SdpError(`setRemoteDescription(${clean.type}) failed: ${messageOf(error)}`, { cause: error });
    } finally {
      this.#settingRemote--;
    }
    // Under a remote offer, currentDirection is the last negotiation's: a track the offer just
    // added would look gone. The answer (set locally) tells.
    if (clean.type !== 'offer') this.#reportRemovedTracks();
    await this.#flushPendingCandidates();
  }

  // ---- ICE ----

  #onIceCandidate(candidate: RTCIceCandidate | null | undefined): void {
    if (this.#closed) return;
    if (!candidate || !candidate.candidate) {
      this.#fire('icecandidate', { candidate: null });
      return;
    }
    const json = toJsonCandidate(candidate);
    this.#candidateWriter.push(json);
    this.#fire('icecandidate', { candidate: json });
  }

  /**
   * Adds a remote candidate (`null` means end of candidates). Candidates that arrive before the
   * remote description are kept and applied when it is set.
   */
  async addIceCandidate(candidate: IceCandidate | null): Promise<void> {
    this.#assertOpen();
    const clean = toIceCandidate(candidate);
    if (!this.native.remoteDescription && !this.#settingRemote) {
      this.#pendingCandidates.push(clean);
      return;
    }
    // With a remote description being set, the browser's operations chain applies the candidate
    // right after it: ICE checks need not wait for a round trip through us.
    try {
      await this.#applyCandidate(clean);
    } catch (error) {
      // Behind a description that failed: it waits for the next one, as it would have.
      if (this.#closed || this.native.remoteDescription) throw error;
      this.#pendingCandidates.push(clean);
    }
  }

  async #applyCandidate(candidate: IceCandidate | null): Promise<void> {
    try {
      if (candidate === null || candidate.candidate === '') await this.native.addIceCandidate();
      else await this.native.addIceCandidate(candidate as RTCIceCandidateInit);
    } catch (error) {
      throw new IceError(`addIceCandidate failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async #flushPendingCandidates(): Promise<void> {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    // All at once, not one round trip each: the browser applies them in order. The caller of
    // setRemoteDescription did not send these: a failure is reported, not thrown at it.
    await Promise.all(
      pending.map((candidate) =>
        this.#applyCandidate(candidate).catch((error) => this.#fire('error', { error: error as WebRtcError })),
      ),
    );
  }

  /** Candidates received before a remote description, waiting to be applied. */
  get pendingCandidateCount(): number {
    return this.#pendingCandidates.length;
  }

  /** Resolves when ICE gathering is complete (at once if it is). Rejects if the connection closes first. */
  async awaitIceGatheringComplete(): Promise<void> {
    // Loaded on first use: trickle ICE never waits for the end of a gathering.
    return (await loadPart('gathering', () => import('./gathering.js'))).gatheringComplete(this);
  }

  /**
   * Uses `iceServers` from now on (fresh TURN credentials, say): the next gathering, an ICE restart,
   * takes them; while ICE checks they wait for it. A value the browser refuses is an `IceError` (reason `bad-config`).
   */
  setIceServers(iceServers: IceServer[]): void {
    this.#assertOpen();
    // Firefox restarts ICE if the servers change while ICE checks: then they wait for the next restart.
    if (this.native.localDescription && !/conn|comp/.test(this.iceConnectionState))
      return void (this.#nextIceServers = iceServers);
    try {
      this.native.setConfiguration({ ...this.native.getConfiguration(), iceServers });
    } catch (error) {
      throw new IceError(`The browser refused the iceServers: ${messageOf(error)}`, {
        cause: error,
        reason: 'bad-config',
      });
    }
  }

  /** Servers given while ICE was checking, for the next restart. */
  #nextIceServers: IceServer[] | undefined;

  /**
   * Asks for an ICE restart: the next offer carries new credentials (`negotiationneeded` fires), and the
   * servers that waited for it apply.
   */
  restartIce(): void {
    this.#assertOpen();
    try {
      const iceServers = this.#nextIceServers;
      this.#nextIceServers = undefined;
      if (iceServers) this.native.setConfiguration({ ...this.native.getConfiguration(), iceServers });
      this.native.restartIce();
    } catch (error) {
      throw new IceError(`restartIce failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Why ICE does not connect, in words: loaded when first needed (ICE failed, or a relay-only
   * gathering), since most connections never need it. Fires the error `use` returns, if any.
   */
  async #diagnose(use: (diagnosis: typeof import('./ice-diagnosis.js')) => IceError | void): Promise<void> {
    let error: WebRtcError | void;
    try {
      error = use(await loadPart('ICE diagnosis', () => import('./ice-diagnosis.js')));
    } catch (failure) {
      error = failure as WebRtcError;
    }
    if (error && !this.#closed) this.#fire('error', { error });
  }

  // ---- negotiationneeded, kept until someone listens ----

  #onNegotiationNeeded(): void {
    if (this.#closed) return;
    this.#negotiationNeeded = true;
    if (this.#negotiationListeners.size > 0) this.#deliverNegotiationNeeded();
  }

  #deliverNegotiationNeeded(): void {
    if (!this.#negotiationNeeded || this.#closed) return;
    this.#negotiationNeeded = false;
    this.#fire('negotiationneeded', {});
    // `once` listeners are gone now.
    for (const listener of this.#onceNegotiationListeners) this.#negotiationListeners.delete(listener);
    this.#onceNegotiationListeners.clear();
  }

  /** Whether negotiation was asked for and nobody has listened or started it yet. */
  get isNegotiationNeeded(): boolean {
    return this.#negotiationNeeded;
  }

  override addEventListener<K extends keyof PeerConnectionEventDetail>(
    type: K,
    listener: DetailListener<PeerConnectionEventDetail[K]> | null,
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
    const { once, signal } = typeof options === 'object' ? options : {};
    if (type === 'negotiationneeded' && listener && !signal?.aborted) {
      this.#negotiationListeners.add(listener);
      if (once) this.#onceNegotiationListeners.add(listener);
      signal?.addEventListener('abort', () => this.removeEventListener(type, listener), { once: true });
      // A negotiationneeded that fired while nobody listened is delivered to the first listener.
      if (this.#negotiationNeeded) queueMicrotask(() => this.#deliverNegotiationNeeded());
    }
  }

  override removeEventListener<K extends keyof PeerConnectionEventDetail>(
    type: K,
    listener: DetailListener<PeerConnectionEventDetail[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options);
    if (type === 'negotiationneeded' && listener) {
      this.#negotiationListeners.delete(listener);
      this.#onceNegotiationListeners.delete(listener);
    }
  }

  // ---- data channels ----

  /** Creates a data channel. `send` on it waits until it opens. */
  createDataChannel(label: string, options: DataChannelOptions = {}): WebRtcDataChannel {
    this.#assertOpen();
    checkCounts(options, CHANNEL_SIZES);
    let native: RTCDataChannel;
    try {
      // The browser reads the RTCDataChannelInit members and ignores ours (receiveQueueBytes…).
      native = this.native.createDataChannel(label, options);
    } catch (error) {
      throw new DataChannelError(`createDataChannel("${label}") failed: ${messageOf(error)}`, { cause: error });
    }
    return this.#adoptChannel(native, options, false);
  }

  #adoptChannel(native: RTCDataChannel, options: DataChannelOptions, remote: boolean): WebRtcDataChannel {
    const channel = new WebRtcDataChannel(native, {
      ...this.#options.dataChannelDefaults,
      ...options,
      report: (event) => {
        this.#channelEventWriter.push(event);
        if (event.type === 'closed') this.#channels.delete(event.channel);
      },
      // Not kept while there is no SCTP transport yet: the negotiation sets it.
      maxMessageSize: () =>
        Math.min((this.#messageLimit ??= this.native.sctp?.maxMessageSize) ?? Infinity, MESSAGE_CAP),
    });
    this.#channels.add(channel);
    if (remote && !this.#closed) this.#fire('datachannel', { channel });
    return channel;
  }

  /** Open channels of this connection. */
  get dataChannels(): readonly WebRtcDataChannel[] {
    return [...this.#channels];
  }

  // ---- media ----

  /**
   * Sends a track. All tracks of one connection share one stream, so the remote side sees them
   * together. Returns the sender (for `replaceTrack`).
   */
  addTrack(
    track: WebRtcMediaTrack | MediaStreamTrack,
    options: { streams?: MediaStream[]; sendEncodings?: RTCRtpEncodingParameters[] } = {},
  ): WebRtcRtpSender {
    this.#assertOpen();
    const native = track instanceof WebRtcMediaTrack ? track.native : track;
    const streams = options.streams ?? [this.#sharedLocalStream()].filter((s): s is MediaStream => !!s);
    const sendEncodings =
      options.sendEncodings ?? (track instanceof WebRtcMediaTrack ? track.sendEncodings : undefined);
    let sender: RTCRtpSender;
    try {
      // Simulcast needs the encodings at creation: a transceiver, not addTrack.
      if (sendEncodings?.length)
        sender = this.native.addTransceiver(native, { direction: 'sendrecv', streams, sendEncodings }).sender;
      else sender = this.native.addTrack(native, ...streams);
    } catch (error) {
      throw new TrackError(`addTrack failed: ${messageOf(error)}`, { cause: error });
    }
    return this.#wrapSender(sender);
  }

  #sharedLocalStream(): MediaStream | undefined {
    if (!this.#localStream && typeof MediaStream !== 'undefined') this.#localStream = new MediaStream();
    return this.#localStream;
  }

  #wrapSender(sender: RTCRtpSender): WebRtcRtpSender {
    return {
      native: sender,
      get track() {
        return sender.track;
      },
      replaceTrack: async (track) => {
        const next = track instanceof WebRtcMediaTrack ? track.native : track;
        try {
          await sender.replaceTrack(next);
        } catch (error) {
          throw new TrackError(`replaceTrack failed: ${messageOf(error)}`, { cause: error });
        }
      },
    };
  }

  /** Stops sending a track (given its sender, its wrapper or the native track). */
  removeTrack(senderOrTrack: WebRtcRtpSender | WebRtcMediaTrack | MediaStreamTrack | RTCRtpSender): void {
    this.#assertOpen();
    let sender: RTCRtpSender | undefined;
    // No `instanceof MediaStreamTrack`: Node (werift) has no such global. Senders are told apart by
    // their `replaceTrack`, which tracks lack.
    if (senderOrTrack instanceof WebRtcMediaTrack) {
      sender = this.native.getSenders().find((s) => s.track === senderOrTrack.native);
    } else if ('replaceTrack' in senderOrTrack) {
      sender = 'native' in senderOrTrack ? senderOrTrack.native : senderOrTrack;
    } else {
      sender = this.native.getSenders().find((s) => s.track === senderOrTrack);
    }
    if (!sender) throw new TrackError('removeTrack: track not sent here', { reason: 'unknown-track' });
    try {
      this.native.removeTrack(sender);
    } catch (error) {
      throw new TrackError(`removeTrack failed: ${messageOf(error)}`, { cause: error });
    }
  }

  #onTrack(event: RTCTrackEvent): void {
    if (this.#closed || this.#remoteTracks.has(event.track)) return;
    const native = event.track;
    const track = new WebRtcMediaTrack(native);
    this.#remoteTracks.set(native, track);
    const streams = [...event.streams];
    const added: TrackEvent = { type: 'add', track, streams };
    this.#trackEventWriter.push(added);
    this.#fire('track', added);
    const removed = () => this.#reportRemovedTrack(native);
    for (const stream of streams) {
      stream.addEventListener('removetrack', (e) => {
        if ((e as MediaStreamTrackEvent).track === native) removed();
      });
    }
    native.addEventListener('ended', removed);
  }

  #reportRemovedTrack(native: MediaStreamTrack): void {
    const track = this.#remoteTracks.get(native);
    if (!track) return;
    this.#remoteTracks.delete(native);
    const streams = [] as MediaStream[];
    const removed: TrackEvent = { type: 'remove', track, streams };
    this.#trackEventWriter.push(removed);
    if (!this.#closed) this.#fire('track', removed);
  }

  /** After a remote description, receivers that no longer receive have lost their track. */
  #reportRemovedTracks(): void {
    for (const transceiver of this.native.getTransceivers?.() ?? []) {
      const direction = transceiver.currentDirection;
      if (direction === 'sendonly' || direction === 'inactive' || direction === 'stopped') {
        this.#reportRemovedTrack(transceiver.receiver.track);
      }
    }
  }

  /** Remote tracks currently received. */
  get remoteTrackList(): readonly WebRtcMediaTrack[] {
    return [...this.#remoteTracks.values()];
  }

  // ---- statistics ----

  /** Statistics in one shape in every browser (see `stats.ts`). */
  async getStatistics(): Promise<WebRtcStatistics> {
    this.#assertOpen();
    // Loaded when first asked for: most pages never read stats.
    const { normalizeStats } = await loadPart('statistics', () => import('./stats.js'));
    return normalizeStats(await this.native.getStats());
  }

  async #emitStats(): Promise<void> {
    try {
      const statistics = await this.getStatistics();
      this.#statsFailure = '';
      if (!this.#closed) this.#fire('stats', { statistics });
    } catch (error) {
      // Closing between two ticks leaves no stats (getStats rejects only then). Anything else (the
      // statistics part did not load) is reported once, not on every tick.
      const message = messageOf(error);
      if (this.#closed || message === this.#statsFailure) return;
      this.#statsFailure = message;
      this.#fire('error', { error: error as WebRtcError });
    }
  }

  // ---- lifetime ----

  /** Closes every channel and the connection; pending operations reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const channel of [...this.#channels]) channel.close();
    this.#closed = true;
    clearInterval(this.#statsTimer);
    this.native.close();
    for (const native of [...this.#remoteTracks.keys()]) this.#reportRemovedTrack(native);
    this.#pendingCandidates = [];
    this.#candidateWriter.end();
    this.#channelEventWriter.end();
    this.#trackEventWriter.end();
    // The native connection fires no state change on close(): tell listeners ourselves.
    this.dispatchEvent(new CustomEvent('statechange', { detail: { state: 'closed' } }));
    this.#options.onClose?.(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
