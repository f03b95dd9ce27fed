import { ReactiveElement, unsafeCSS, type PropertyValues } from '@lit/reactive-element';
import {
  SignalingError,
  SignalingSession,
  WebRtcClient,
  WebSocketSignaler,
  ConfigError,
  type IceServer,
  type SignalMessage,
  type Signaler,
  type TrackEvent,
  type WebRtcMediaTrack,
  type WebRtcPeerConnection,
  type WebRtcRtpSender,
  type WebRtcStatistics,
  type WebRtcDataChannel,
} from '../../src/index.js';
import { isIceServer } from '../../src/validate.js';
import { loadPart } from '../../src/errors.js';
import { fire, fireError } from '../events.js';
import { callJoined } from '../call-of.js';
import { lateChanges } from '../late-change.js';
import type { Mesh } from './mesh.js';
import type { Sfu, SfuHost } from './sfu.js';
import { followSignaling } from './signaling-status.js';

/** The SFU room and its signaler, loaded when a call has `sfu`. */
const sfuPart = () => loadPart('SFU', () => import('./sfu.js'));

/** Signal messages kept while the call gets ready (the camera prompt may stay open a while). */
const MAX_EARLY_MESSAGES = 1000;

/** What `<rtc-data-channel>` gives its call (its host) so that the call can open it on every connection. */
export interface CallChannel {
  /** Called with each new connection (the first, and again after the peer comes back; in a mesh, one per peer). */
  attach(connection: WebRtcPeerConnection, peer?: string, channel?: WebRtcDataChannel): void;
  /** Called when that connection's session ends. */
  detach(reason: string, peer?: string): void;
}

/**
 * `ice-servers`: as a property, an array of `{urls, username?, credential?}` (what frameworks pass);
 * as text (the attribute), a JSON array of them or URLs separated by spaces or commas. Anything
 * else is a `config` error naming what is wrong.
 */
export function parseIceServers(value: IceServer[] | string | null | undefined): IceServer[] | undefined {
  if (value === null || value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text) return undefined;
    if (!text.startsWith('[')) return [{ urls: text.split(/[\s,]+/).filter(Boolean) }];
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not an array either: the same error below.
      parsed = undefined;
    }
  }
  if (!Array.isArray(parsed) || !parsed.every(isIceServer)) {
    throw new ConfigError('ice-servers: not a list of ICE servers', { reason: 'bad-config' });
  }
  return parsed as IceServer[];
}

/** The client's ICE servers and those the signaler handed out (TURN credentials from the server). */
function iceServersFor(client: WebRtcClient, signaler: Signaler): IceServer[] {
  return [
    ...(client.config.defaultConnectionConfig?.iceServers ?? client.config.iceServers ?? []),
    ...(signaler.iceServers ?? []),
  ];
}

/**
 * The page has not reached DOMContentLoaded: its deferred and module scripts may still set things.
 * (`readyState` is already `interactive` while they run, and stays so after DOMContentLoaded.)
 */
function beforeDomContentLoaded(): boolean {
  if (document.readyState === 'complete') return false;
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return navigation ? !navigation.domContentLoadedEventStart : document.readyState === 'loading';
}

/** Two values of a setting are the same: equal, or (ice-servers) the same servers. */
function sameSetting(name: string, a: unknown, b: unknown): boolean {
  return a === b || (name === 'iceServers' && JSON.stringify(a) === JSON.stringify(b));
}

/** `signaling` may be a path ("/" is the page's own server): it becomes a ws:// or wss:// URL. */
export function toWebSocketUrl(value: string): string {
  if (/^wss?:\/\//.test(value)) return value;
  const url = new URL(value, globalThis.location?.href);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.href;
}

/**
 * A call: one peer connection negotiated over a signaler, with optional camera and microphone.
 * When the remote peer leaves (or reloads), the call waits in its room for the next one.
 *
 * @tag rtc-call
 * @summary A WebRTC call: signaling, negotiation, ICE restart, local media.
 * @attr signaling - The signaling server: a `ws://` or `wss://` URL, a path on the page's server ("/"), or a media server: `whip+https://…` publishes the camera and microphone, `whep+https://…` plays a stream.
 * @attr room - The room to join on the signaling server (default "default").
 * @attr ice-servers - STUN/TURN servers: a JSON array of RTCIceServer, or URLs separated by spaces (the `iceServers`
 * property also takes the array itself).
 * @attr audio - Send the microphone. Removing it during the call releases the microphone; adding it opens it again.
 * @attr video - Send the camera. Removing it during the call releases the camera (its light goes off); adding it opens
 * it again.
 * @attr ice-transport-policy - `relay`: only TURN relays (every byte through the TURN server); `all` (default): direct
 * paths first.
 * @attr manual - Do not start by itself; call `start()`.
 * @attr stats-interval - Fire `rtc-stats` this often (milliseconds).
 * @attr token - A token for the signaling server (WebSocket `verify`) or the WHIP/WHEP endpoint (Bearer).
 * @attr mesh - Connect to every peer in the room (one connection each); an `<rtc-video remote peer>` per peer appears
 * in the element marked `data-rtc-videos` (or the call) and goes when the peer leaves.
 * @attr sfu - `janus`: the room is a Janus VideoRoom at `signaling` (its WebSocket URL): our media goes up once,
 * everyone else's comes down on one connection, and an `<rtc-video remote peer>` per participant appears in the element
 * marked `data-rtc-videos` (or the call).
 * @attr simulcast - With `sfu`: send the camera in two layers (full and half size), so that each viewer can pick one
 * (`quality` on a participant's `<rtc-video>`).
 * @attr screen - Send the screen instead of the camera (switches without renegotiation).
 * @prop {Signaler} signaler - Any object with `send`, `subscribe` (and optionally `close`).
 * @prop {WebRtcClient} client - The engine client to use (default: one the call makes and closes).
 * @fires rtc-icecandidate - A local ICE candidate: `{candidate}`.
 * @fires rtc-statechange - The connection state changed: `{state}`.
 * @fires rtc-negotiationneeded - The connection needs negotiating: `{}`.
 * @fires rtc-track - A remote track was added or removed: `{type, track, streams}`.
 * @fires rtc-datachannel - The remote side opened a channel: `{channel}`.
 * @fires rtc-reconnecting - ICE is restarting (`{reason}`), or (reason `signaling`) the signaling server cannot be
 * reached and the call keeps trying.
 * @fires rtc-reconnected - ICE restart worked, or (reason `signaling`) the signaling server is reached again:
 * `{reason}`.
 * @fires rtc-streams - Local or remote streams changed: `{localStream, remoteStreams}`.
 * @fires rtc-peer - A remote peer was found: `{id}`.
 * @fires rtc-mute - The remote side muted a track: `{track, kind}`.
 * @fires rtc-unmute - The remote side unmuted a track: `{track, kind}`.
 * @fires rtc-stats - With `stats-interval`, per connection: `{statistics, quality, rttMs, lossPercent,
 * localCandidateType, remoteCandidateType, relayed, peer}` (`peer` in a mesh).
 * @fires rtc-close - The session ended: `{reason}` (in a mesh, with `peer`, as the connection events have).
 * @fires rtc-error - Something failed: `{error, code}`.
 * @slot - Content: `<rtc-video>`, `<rtc-data-channel>`, controls.
 */
export class RtcCall extends ReactiveElement {
  // Declared here rather than with decorators (no decorator code in the bundle); the fields below
  // give the defaults, through Lit's accessors since useDefineForClassFields is false.
  static override properties = {
    signaling: {},
    room: {},
    iceServers: { attribute: 'ice-servers' },
    iceTransportPolicy: { attribute: 'ice-transport-policy' },
    audio: { type: Boolean },
    video: { type: Boolean },
    manual: { type: Boolean },
    statsInterval: { attribute: 'stats-interval', type: Number },
    screen: { type: Boolean, reflect: true },
    mesh: { type: Boolean },
    sfu: {},
    simulcast: { type: Boolean },
    token: {},
    signaler: { attribute: false },
    client: { attribute: false },
  };
  static override styles = unsafeCSS(':host{display:block}');

  signaling: string | null = null;
  room = 'default';
  /** An array of `{urls, username?, credential?}`, or its text form (the attribute). */
  iceServers: IceServer[] | string | null = null;
  /**
   * `relay` sends everything through a TURN server (hides the addresses; tests TURN); `all` (default) tries direct
   * paths first.
   */
  iceTransportPolicy: RTCIceTransportPolicy | null = null;
  audio = false;
  video = false;
  manual = false;
  statsInterval = 0;
  screen = false;
  mesh = false;
  /** `janus`: a conference through a Janus VideoRoom (see the README, "Rooms past a mesh"). */
  sfu: string | null = null;
  simulcast = false;
  /** A bearer token: the WHIP/WHEP `Authorization`, or the WebSocket join token for the server's `verify`. */
  token: string | null = null;
  signaler: Signaler | null = null;
  client: WebRtcClient | null = null;

  /** The current peer connection (a new one after the peer comes back). */
  get connection(): WebRtcPeerConnection | null {
    return this.#session?.connection ?? null;
  }
  /** Camera and microphone being sent, or null. */
  get localStream(): MediaStream | null {
    return this.#localStream;
  }
  /** Streams received from the peer. */
  get remoteStreams(): readonly MediaStream[] {
    return this.#remoteStreams;
  }
  /**
   * The connection state, `new` before start and `closed` after hang-up; in a mesh `connected` while any peer is, else
   * the first peer's.
   */
  get state(): RTCPeerConnectionState {
    const states = this.#callSessions().map((s) => s?.connection.state);
    return (states.includes('connected') ? 'connected' : states[0]) ?? (this.#ended ? 'closed' : 'new');
  }
  /** The signaling session (its `remoteId`, `polite`, `restartIce()`). */
  get signalingSession(): SignalingSession | null {
    return this.#session;
  }

  #session: SignalingSession | null = null;

  /** The client in use: the one given, or the one this call made. */
  get #activeClient(): WebRtcClient | null {
    return this.client ?? this.#ownedClient;
  }

  /** Reports anything thrown as `rtc-error` (a `WebRtcError` keeps its code; anything else is a `SignalingError`). */
  #fail(error: unknown): void {
    fireError(this, error, (message, cause) => new SignalingError(message, { cause }));
  }
  #ownedClient: WebRtcClient | null = null;
  #ownedSignaler: Signaler | null = null;
  #localStream: MediaStream | null = null;
  #localTracks: WebRtcMediaTrack[] = [];
  #remoteStreams: MediaStream[] = [];
  readonly #channels = new Set<CallChannel>();
  #starting: Promise<void> | null = null;
  #ended = false;
  /** Counts hang-ups: a start still waiting (for the camera, say) when one happens undoes its work. */
  #hangUps = 0;
  #senders: WebRtcRtpSender[] = [];
  #screenTrack: WebRtcMediaTrack | null = null;
  readonly #remoteMuted = new WeakMap<MediaStreamTrack, boolean>();
  /** Remote tracks the peer said it muted (track-state): muted until it says otherwise, whatever the media does. */
  readonly #saidMuted = new WeakSet<MediaStreamTrack>();
  /** What setMuted() muted: tracks of these kinds start disabled. */
  readonly #mutedKinds = new Set<string>();
  /** Turning the camera or microphone on and off, one change after the other. */
  #deviceWork: Promise<void> = Promise.resolve();
  /** The settings the running call read, by property: changing one to another value is "after start". */
  readonly #settingsRead = new Map<string, unknown>();
  /** Removes the listeners of the current start at its hang-up. */
  #startScope: AbortController | null = null;
  /** The element left the page (and so hung up): coming back, it starts as a new one would. */
  #leftPage = false;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#leftPage) {
      this.#leftPage = false;
      this.#ended = false;
      this.requestUpdate(); // updated() starts it again, unless `manual`
    }
    callJoined(); // videos and channels that name this call by id, and were there first
  }

  /** Returns `value` and remembers that the call read it as `name`. */
  #readSetting<T>(name: string, value: T): T {
    this.#settingsRead.set(name, value);
    return value;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('screen') && (changed.get('screen') !== undefined || this.screen)) {
      const work = this.screen ? this.shareScreen() : this.stopScreenShare();
      work.catch((error) => this.#fail(error));
    }
    if (!this.manual && !this.#starting && !this.#ended && (this.signaler || this.signaling) && this.isConnected) {
      // The page's scripts, later module scripts too, run before DOMContentLoaded: what they set counts.
      if (beforeDomContentLoaded())
        document.addEventListener('DOMContentLoaded', () => this.requestUpdate(), { once: true });
      else void this.start();
    }
    for (const kind of ['audio', 'video'] as const) {
      if (changed.has(kind) && changed.get(kind) !== undefined && this.#starting) {
        // In turn, after the start: quick toggles end in the state the attribute has last.
        this.#deviceWork = this.#deviceWork.then(() => this.#syncDevice(kind)).catch((error) => this.#fail(error));
      }
    }
    if (changed.has('statsInterval') && !(this.statsInterval >= 0)) {
      // Not fatal: the call goes on without statistics, but a typo must not go unnoticed.
      const given = this.getAttribute('stats-interval') ?? this.statsInterval;
      this.#fail(new ConfigError(`stats-interval must be ms >= 0, not ${given}`, { reason: 'bad-config' }));
    }
    // Read once by start(): a change to another value during the call would be ignored without a word.
    const differs = (name: string) =>
      this.#settingsRead.has(name) && !sameSetting(name, this.#settingsRead.get(name), this[name as keyof this]);
    for (const error of lateChanges(changed, differs, 'start')) this.#fail(error);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Moving the element within the page is not leaving it: close only if it stays out.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.hangUp('disconnected');
      this.#leftPage = true;
    });
  }

  /** Registers a channel element: it is opened on this and every later connection. */
  addChannel(channel: CallChannel): void {
    this.#channels.add(channel);
    for (const session of this.#liveSessions())
      channel.attach(session.connection, this.#meshPeers ? session.remoteId : undefined);
  }

  removeChannel(channel: CallChannel): void {
    this.#channels.delete(channel);
  }

  /** Starts the call: gets local media, connects to the signaler and waits for a peer. Idempotent. */
  start(): Promise<void> {
    this.#starting ??= this.#run();
    return this.#starting;
  }

  async #run(): Promise<void> {
    this.#ended = false;
    const hangUps = this.#hangUps;
    const stale = () => this.#hangUps !== hangUps;
    // Settings given in the same task as start(), before or after it, are the ones it uses.
    await null;
    if (stale()) return;
    // Every listener this start adds goes at the hang-up, on objects that outlive it too (a given signaler).
    const scope = (this.#startScope = new AbortController());
    let early: SignalMessage[] = [];
    let stopHolding = () => {};
    try {
      const given = this.#readSetting('signaler', this.signaler);
      const signaler = given ?? (await this.#makeSignaler());
      if (stale()) {
        if (!given) signaler.close?.();
        return;
      }
      if (!given) this.#ownedSignaler = signaler;
      if (signaler instanceof WebSocketSignaler)
        followSignaling(this, signaler, scope.signal, (error) => this.#fail(error));
      // The signaler may already have joined a room: what peers say while the user answers the
      // camera prompt is kept for the session, not lost.
      let refused = 0;
      stopHolding = signaler.subscribe((message) => {
        if (early.length < MAX_EARLY_MESSAGES) early.push(message);
        // Said once: a flood must not become a flood of errors.
        else if (!refused++)
          this.#fail(
            new SignalingError(`Over ${MAX_EARLY_MESSAGES} early signal messages: refused`, { reason: 'queue-full' }),
          );
      });
      const client =
        this.#readSetting('client', this.client) ??
        (this.#ownedClient = new WebRtcClient({
          iceServers: parseIceServers(this.#readSetting('iceServers', this.iceServers)),
        }));
      const tracks = await this.#openLocalMedia(client);
      if (stale()) {
        // Hung up while the camera or microphone was being opened: let go of them at once.
        for (const track of tracks) track.close();
        return;
      }
      if (tracks.length > 0) {
        this.#localTracks = tracks;
        this.#localStream = new MediaStream(tracks.map((t) => t.native));
        this.#fireStreams();
      }
      this.#readSetting('statsInterval', this.statsInterval);
      const policy = this.#readSetting('iceTransportPolicy', this.iceTransportPolicy);
      if (policy !== null && policy !== 'all' && policy !== 'relay') {
        throw new ConfigError('ice-transport-policy must be "all" or "relay"', { reason: 'bad-config' });
      }
      if (signaler instanceof EventTarget) {
        // Fresh TURN credentials from the server: every connection's next ICE restart uses them.
        signaler.addEventListener(
          'iceservers',
          () => {
            for (const session of this.#liveSessions()) {
              try {
                session.connection.setIceServers(iceServersFor(client, signaler));
              } catch (error) {
                this.#fail(error);
              }
            }
          },
          { signal: scope.signal },
        );
      }
      // An SFU room takes the mesh's place: both are loaded when used.
      const room = this.#readSetting('sfu', this.sfu)
        ? (await sfuPart()).Sfu
        : this.#readSetting('mesh', this.mesh) && (await loadPart('mesh', () => import('./mesh.js'))).Mesh;
      if (room) {
        if (stale()) return;
        stopHolding();
        this.#startMesh(room, client, signaler, early);
      } else {
        stopHolding();
        this.#newSession(client, signaler, undefined, undefined, early);
      }
      early = [];
      // `screen` set before there was a call to share it in: the call starts sharing.
      if (this.screen && !stale()) await this.shareScreen();
    } catch (error) {
      if (stale()) return;
      this.#fail(error);
      // Nothing started (no signaler, bad settings): let go of what was made, so that start() can
      // try again once the page has put it right.
      if (!this.#session && !this.#meshPeers) this.#letGo('failed');
    } finally {
      stopHolding();
    }
  }

  async #makeSignaler(): Promise<Signaler> {
    if (!this.signaling) throw new SignalingError('<rtc-call> needs "signaling" or "signaler"');
    const media = /^(whip|whep)\+(https?:\/\/.*)$/.exec(this.signaling);
    if (media) {
      this.#readSetting('signaling', this.signaling);
      const token = this.#readSetting('token', this.token);
      // Loaded when used: most pages never talk to a media server.
      const { WhipSignaler } = await loadPart('WHIP/WHEP', () => import('../../src/signaling/whip-signaler.js'));
      return new WhipSignaler(media[2] as string, { mode: media[1] as 'whip' | 'whep', ...(token ? { token } : {}) });
    }
    const room = this.#readSetting('room', this.room) || 'default';
    const url = toWebSocketUrl(this.#readSetting('signaling', this.signaling));
    const token = this.#readSetting('token', this.token);
    const options = { room, ...(token ? { token } : {}) };
    const sfu = this.#readSetting('sfu', this.sfu);
    return sfu ? (await sfuPart()).janusSignaler(sfu, url, options) : new WebSocketSignaler(url, options);
  }

  /** The camera and microphone asked for, until a hang-up; a failure is reported and the call goes on without it. */
  async #openLocalMedia(client: WebRtcClient): Promise<WebRtcMediaTrack[]> {
    const tracks: WebRtcMediaTrack[] = [];
    for (const kind of ['audio', 'video'] as const) {
      if (!this[kind]) continue;
      try {
        const track = await this.#openDevice(client, kind);
        if (!track) break;
        tracks.push(track);
      } catch (error) {
        // No camera or no permission: the call goes on without it, and says why.
        this.#fail(error);
      }
    }
    return tracks;
  }

  /**
   * A session with the one remote peer, or (mesh) with `peer`, this end being `localId`; it handles
   * `early` (what the signaler delivered before the call was ready) before anything newer.
   */
  #newSession(
    client: WebRtcClient,
    signaler: Signaler,
    peer?: string,
    localId?: string,
    early: SignalMessage[] = [],
    receiving?: boolean,
    formerPeer?: string,
  ): SignalingSession {
    const connection = client.createPeerConnection({
      ...(this.statsInterval > 0 ? { statsIntervalMs: this.statsInterval } : {}),
      ...(this.iceTransportPolicy === 'relay' ? { iceTransportPolicy: 'relay' } : {}),
      ...(signaler.iceServers?.length ? { iceServers: iceServersFor(client, signaler) } : {}),
    });
    if (peer === undefined) this.#senders = [];
    // While the screen is shared, a new connection (a mesh peer joining) gets it instead of the camera.
    // An SFU's receiving connection sends nothing and opens no channel.
    const sent = receiving
      ? []
      : this.#screenTrack
        ? [...this.#localTracks.filter((t) => t.kind !== 'video'), this.#screenTrack]
        : this.#localTracks;
    for (const track of sent) this.#addSender(connection, track);
    const scoped = { signal: this.#startScope?.signal };
    // Each connection's loss is counted against its own previous statistics.
    let previous: WebRtcStatistics | undefined;
    connection.addEventListener(
      'stats',
      (e) => {
        const { statistics } = e.detail;
        void this.#onStats(statistics, previous, peer);
        previous = statistics;
      },
      scoped,
    );
    const session =
      peer === undefined
        ? new SignalingSession(connection, signaler, {
            formerPeer,
            // Sending nothing, it can only receive: it asks for audio and video at once (WHEP always, WHIP never).
            receive: signaler.receiveOnly ?? !sent.length,
          })
        : new SignalingSession(connection, signaler, { id: localId, remoteId: peer, shared: true });
    if (peer === undefined) this.#session = session;
    // These four come out as they are, as rtc-<type>; in a mesh they name their peer.
    for (const type of ['icecandidate', 'statechange', 'negotiationneeded', 'datachannel'] as const) {
      connection.addEventListener(type, (e) => fire(this, `rtc-${type}`, { ...e.detail, peer }), scoped);
    }
    connection.addEventListener('track', (e) => this.#onTrack(e.detail, peer), scoped);
    connection.addEventListener('error', (e) => this.#fail(e.detail.error), scoped);
    session.addEventListener('peer', (e) => fire(this, 'rtc-peer', e.detail), scoped);
    for (const type of ['reconnecting', 'reconnected'] as const) {
      session.addEventListener(type, (e) => fire(this, `rtc-${type}`, { reason: e.detail.reason, peer }), scoped);
    }
    session.addEventListener('mute', (e) => this.#onRemoteMute(e.detail.track, true), scoped);
    session.addEventListener('unmute', (e) => this.#onRemoteMute(e.detail.track, false), scoped);
    session.addEventListener('error', (e) => this.#fail(e.detail.error), scoped);
    session.addEventListener('close', (e) => this.#onSessionClose(session, e.detail.reason), scoped);
    // In a mesh every channel element opens one channel per peer.
    if (!receiving) for (const channel of this.#channels) channel.attach(connection, peer);
    for (const message of early) session.deliver(message);
    session.start();
    return session;
  }

  // ---- mesh: one session per peer in the room (components/rtc-call/mesh.ts) ----

  #meshPeers: Mesh | Sfu | null = null;

  /** Remote peers of a mesh call, by id. */
  get peers(): readonly string[] {
    return this.#meshPeers?.peers ?? [];
  }

  /** The streams one remote peer sends (mesh), or the first remote stream (one-to-one). */
  streamForPeer(peer: string | null): MediaStream | null {
    if (peer === null) return this.#remoteStreams[0] ?? null;
    return this.#meshPeers?.streamOf(peer) ?? null;
  }

  /** The mesh (loaded when used: most calls are one-to-one), handed what the signaler delivered before it. */
  #startMesh(
    MeshClass: typeof Mesh | typeof Sfu,
    client: WebRtcClient,
    signaler: Signaler,
    early: SignalMessage[],
  ): void {
    this.#meshPeers = new MeshClass(
      {
        sessionWith: (peer, localId, receiving?: boolean) =>
          this.#newSession(client, signaler, peer, localId, [], receiving),
        channelElements: () => this.#channels,
        fail: (error) => this.#fail(error),
        videoParent: () => this.querySelector('[data-rtc-videos]') ?? this,
      } satisfies SfuHost,
      signaler as never,
      early,
    );
  }

  /** rtc-stats for one connection (in a mesh, `peer`'s). */
  async #onStats(statistics: WebRtcStatistics, previous: WebRtcStatistics | undefined, peer?: string): Promise<void> {
    // Already loaded: the statistics came from it.
    const { qualityOf } = await loadPart('statistics', () => import('../../src/stats.js'));
    const { quality, rttMs, lossPercent } = qualityOf(statistics, previous);
    const { localCandidateType, remoteCandidateType, relayed } = statistics.summary;
    fire(this, 'rtc-stats', {
      statistics,
      quality,
      rttMs,
      lossPercent,
      localCandidateType,
      remoteCandidateType,
      relayed,
      peer,
    });
  }

  /**
   * Fires rtc-mute / rtc-unmute once per change of "the peer said so, or the media stopped" (`said`:
   * what the peer said; without it the media changed). Black frames of a track muted by the peer do not unmute it.
   */
  #onRemoteMute(track: WebRtcMediaTrack, said?: boolean): void {
    if (said !== undefined) this.#saidMuted[said ? 'add' : 'delete'](track.native);
    const muted = this.#saidMuted.has(track.native) || track.native.muted;
    if ((this.#remoteMuted.get(track.native) ?? false) === muted) return;
    this.#remoteMuted.set(track.native, muted);
    fire(this, muted ? 'rtc-mute' : 'rtc-unmute', { track, kind: track.kind });
  }

  /**
   * Whether a track the peer sends is muted: the peer muted it or turned its camera off, or its media stopped
   * (`<rtc-video>` then shows its placeholder).
   */
  isRemoteMuted(track: MediaStreamTrack): boolean {
    return this.#remoteMuted.get(track) ?? false;
  }

  /**
   * Mutes or unmutes what this side sends (`audio` or `video`); the other side gets rtc-mute / rtc-unmute.
   * It holds for tracks opened later too: before the start (join muted), a switched device, a
   * device turned on again, a shared screen.
   */
  setMuted(kind: 'audio' | 'video', muted: boolean): void {
    if (muted) this.#mutedKinds.add(kind);
    else this.#mutedKinds.delete(kind);
    // While the screen is shared it is what the video senders send: it mutes with the camera.
    for (const track of [...this.#localTracks, this.#screenTrack ?? []].flat().filter((t) => t.kind === kind)) {
      track.enabled = !muted;
      // Every peer hears of it (a mesh has one session per peer).
      for (const session of this.#liveSessions()) session.setTrackMuted(track, muted);
    }
  }

  /** Cameras and microphones (labels once permission is granted). */
  listDevices(kind?: MediaDeviceKind) {
    // Before start: a client for this question only (listing makes nothing it would have to close).
    return (this.#activeClient ?? new WebRtcClient()).listDevices(kind);
  }

  /** Makes the sent `kind` follow its attribute: opens the device, or stops it and leaves its senders idle. */
  async #syncDevice(kind: 'audio' | 'video'): Promise<void> {
    await this.#starting;
    const client = this.#activeClient;
    const track = this.#localTracks.find((t) => t.kind === kind);
    if (!client || this.#ended || this[kind] === !!track) return;
    if (this[kind]) {
      const next = await this.#openDevice(client, kind);
      if (next) await this.#replaceLocal(kind, next, true);
      return;
    }
    // Off: the senders send nothing (no renegotiation), the peers are told (swap) and the device is released.
    this.#localTracks = this.#localTracks.filter((t) => t !== track);
    this.#localStream?.removeTrack(track!.native);
    await this.#swap(kind, track!.native, null);
    track!.close();
    this.#fireStreams();
  }

  /** Opens the microphone or the camera (any, or `deviceId`) unless the call hangs up meanwhile. */
  #openDevice(client: WebRtcClient, kind: 'audio' | 'video', deviceId?: string): Promise<WebRtcMediaTrack | null> {
    // A mesh sends the camera to every peer: a smaller picture keeps that affordable.
    const size = this.mesh ? { width: 320, height: 240 } : { width: 640, height: 480 };
    return this.#openUnlessHungUp(async () =>
      this.#keepMuted(
        await (kind === 'audio'
          ? client.createAudioTrack({ deviceId })
          : client.createVideoTrack({
              ...size,
              // Only an SFU call sends simulcast layers, so they live in its part.
              ...(this.sfu && this.simulcast && (await sfuPart()).SIMULCAST),
              deviceId,
            })),
      ),
    );
  }

  /** A new track of a muted kind starts muted. */
  #keepMuted(track: WebRtcMediaTrack): WebRtcMediaTrack {
    track.enabled = !this.#mutedKinds.has(track.kind);
    return track;
  }

  /** Switches the camera or microphone during the call, without renegotiation. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const client = this.#activeClient;
    if (!client) throw new SignalingError('Start the call first');
    const next = await this.#openDevice(client, kind, deviceId);
    if (next) await this.#replaceLocal(kind, next, true);
  }

  /**
   * Opens a track (the user may take a while to allow it); if the call hangs up meanwhile, lets it go and gives null.
   */
  async #openUnlessHungUp(open: () => Promise<WebRtcMediaTrack>): Promise<WebRtcMediaTrack | null> {
    const hangUps = this.#hangUps;
    const stale = () => this.#hangUps !== hangUps;
    let track: WebRtcMediaTrack;
    try {
      track = await open();
    } catch (error) {
      // An owned client closes at hang-up, failing the request: nothing to report then.
      if (stale()) return null;
      throw error;
    }
    if (!stale()) return track;
    track.close();
    return null;
  }

  /**
   * Sends the screen instead of the camera (before the start: from the start); the camera comes back with
   * `stopScreenShare()` or when sharing ends.
   */
  async shareScreen(): Promise<void> {
    const client = this.#activeClient;
    if (!client) {
      // Before the start there is nothing to share it in: the start shares it.
      this.screen = true;
      return;
    }
    // After a camera or microphone change still under way: its sender may be about to send nothing,
    // and that is the one the screen should take. A hang-up meanwhile ends it here.
    const hangUps = this.#hangUps;
    await this.#deviceWork;
    if (this.#screenTrack || this.#hangUps !== hangUps) return;
    let track: WebRtcMediaTrack | null;
    try {
      track = await this.#openUnlessHungUp(() => client.createScreenTrack());
    } catch (error) {
      // Refused or impossible: `screen` says what is sent, and that is not the screen.
      if (!this.#screenTrack) this.screen = false;
      throw error;
    }
    if (!track || this.#screenTrack) {
      // Hung up, or shared meanwhile by another call to this method, while the user was picking.
      track?.close();
      return;
    }
    this.#screenTrack = track;
    const camera = this.#localTracks.find((t) => t.kind === 'video');
    // Muted video stays muted as the screen: the peers already show it as muted.
    this.#keepMuted(track);
    track.native.addEventListener('ended', () => {
      this.stopScreenShare().catch((error) => this.#fail(error));
    });
    await this.#swap('video', camera?.native ?? null, track.native);
    if (!this.screen) this.screen = true;
  }

  async stopScreenShare(): Promise<void> {
    await this.#deviceWork;
    const track = this.#screenTrack;
    if (!track) return;
    this.#screenTrack = null;
    const camera = this.#localTracks.find((t) => t.kind === 'video');
    await this.#swap('video', track.native, camera?.native ?? null);
    track.close();
    if (this.screen) this.screen = false;
  }

  /**
   * On every connection (each mesh peer's), our `kind` sender that sends `from` sends `to` instead
   * (replaceTrack: no renegotiation). Where none does, `to` gets a new sender (negotiationneeded renegotiates).
   */
  async #swap(
    kind: 'audio' | 'video',
    from: MediaStreamTrack | null,
    to: WebRtcMediaTrack | MediaStreamTrack | null,
  ): Promise<void> {
    for (const session of this.#liveSessions()) {
      const sender = this.#senderOn(session.connection, kind, from);
      if (!sender) {
        if (to) this.#addSender(session.connection, to);
        continue;
      }
      // replaceTrack(null) mutes nothing at the peer (its last frame stays up): the peer is told, and told again when
      // media comes back.
      if (!to) session.setTrackMuted(from!, true);
      await sender.replaceTrack(to);
      if (!from && to && !this.#mutedKinds.has(kind)) session.setTrackMuted(to, false);
    }
  }

  #addSender(connection: WebRtcPeerConnection, track: WebRtcMediaTrack | MediaStreamTrack): void {
    this.#senders.push(connection.addTrack(track, this.#localStream ? { streams: [this.#localStream] } : {}));
  }

  /** The call's sessions: the one peer's (null before the first), or every mesh peer's. */
  #callSessions(): Array<SignalingSession | null> {
    return this.#meshPeers ? this.#meshPeers.sessions() : [this.#session];
  }

  /** The call's open sessions. */
  #liveSessions(): SignalingSession[] {
    return this.#callSessions().filter((s): s is SignalingSession => !!s && !s.isClosed);
  }

  async #replaceLocal(kind: 'audio' | 'video', next: WebRtcMediaTrack, stopOld: boolean): Promise<void> {
    const old = this.#localTracks.find((t) => t.kind === kind);
    this.#localTracks = [...this.#localTracks.filter((t) => t !== old), next];
    const stream = this.#localStream ?? new MediaStream();
    if (old) stream.removeTrack(old.native);
    stream.addTrack(next.native);
    this.#localStream = stream;
    // While the screen is shared, the new camera waits for stopScreenShare().
    if (!(kind === 'video' && this.#screenTrack)) await this.#swap(kind, old?.native ?? null, next);
    if (old && stopOld) old.close();
    this.#fireStreams();
  }

  /**
   * Our sender of `kind` on `connection` that sends `track`: the old track, or nothing (null) once
   * the device was turned off. A sender sending nothing knows no kind: its transceiver's receiver does.
   */
  #senderOn(
    connection: WebRtcPeerConnection,
    kind: string,
    track: MediaStreamTrack | null,
  ): WebRtcRtpSender | undefined {
    const transceivers = connection.native.getTransceivers();
    return this.#senders.find(
      (s) =>
        s.native.track === track && transceivers.some((t) => t.sender === s.native && t.receiver.track.kind === kind),
    );
  }

  #onTrack(event: TrackEvent, peer?: string): void {
    if (peer !== undefined) this.#meshPeers?.addStreams(peer, event.streams);
    if (event.type === 'add') {
      // The media stopping or coming back (a stopped track, a lost connection) mutes and unmutes the remote track
      // natively.
      event.track.native.addEventListener('mute', () => this.#onRemoteMute(event.track));
      event.track.native.addEventListener('unmute', () => this.#onRemoteMute(event.track));
    }
    for (const stream of event.streams)
      if (!this.#remoteStreams.includes(stream)) this.#remoteStreams = [...this.#remoteStreams, stream];
    if (event.type === 'remove') {
      this.#remoteStreams = this.#remoteStreams.filter((s) =>
        s.getTracks().some((t) => t.readyState === 'live' && t !== event.track.native),
      );
    }
    fire(this, 'rtc-track', { type: event.type, track: event.track, streams: event.streams, peer });
    this.#fireStreams();
  }

  #fireStreams(): void {
    fire(this, 'rtc-streams', { localStream: this.#localStream, remoteStreams: this.#remoteStreams });
  }

  #onSessionClose(session: SignalingSession, reason: string): void {
    const peerStreams = this.#meshPeers?.remove(session);
    if (peerStreams) {
      // A mesh peer left: its video goes, the others stay.
      for (const channel of this.#channels) channel.detach(reason, session.remoteId);
      const gone = session.connection.native.getSenders();
      this.#senders = this.#senders.filter((s) => !gone.includes(s.native));
      this.#remoteStreams = this.#remoteStreams.filter((s) => !peerStreams.includes(s));
      this.#fireStreams();
      fire(this, 'rtc-close', { reason, peer: session.remoteId });
      return;
    }
    if (session !== this.#session) return;
    for (const channel of this.#channels) channel.detach(reason);
    if (this.#remoteStreams.length > 0) {
      this.#remoteStreams = [];
      this.#fireStreams();
    }
    fire(this, 'rtc-close', { reason });
    // The peer left or vanished, not us: wait in the room for the next one.
    const client = this.#activeClient;
    const signaler = this.signaler ?? this.#ownedSignaler;
    if (!this.#ended && this.isConnected && client && !client.isClosed && signaler) {
      try {
        this.#newSession(client, signaler, undefined, undefined, [], false, session.remoteId);
      } catch (error) {
        this.#fail(error);
      }
    }
  }

  /** Ends the call: says bye, closes the connection, stops local media. Idempotent. */
  hangUp(reason = 'hangup'): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#letGo(reason);
  }

  /** Closes and stops everything the start made; a start still waiting finds itself stale. */
  #letGo(reason: string): void {
    this.#hangUps++;
    this.#session?.hangUp(reason);
    this.#session = null;
    this.#meshPeers?.close(reason);
    this.#meshPeers = null;
    // After the sessions' rtc-close: nothing this start listened to is news any more.
    this.#startScope?.abort();
    this.#startScope = null;
    for (const track of this.#localTracks) track.close();
    this.#localTracks = [];
    this.#screenTrack?.close();
    this.#screenTrack = null;
    this.#senders = [];
    this.#localStream = null;
    this.#remoteStreams = [];
    this.#ownedClient?.close();
    this.#ownedClient = null;
    this.#ownedSignaler?.close?.();
    this.#ownedSignaler = null;
    this.#settingsRead.clear();
    this.#starting = null;
    this.#fireStreams();
  }

  // ReactiveElement, not LitElement: a slot is all there is to render, not worth lit-html's bytes.
  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    root.append(document.createElement('slot'));
    return root;
  }
}
