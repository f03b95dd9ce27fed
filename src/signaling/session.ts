import { SignalingError, loadPart, messageOf, type WebRtcError } from '../errors.js';
import type { WebRtcMediaTrack } from '../media.js';
import type { PeerConnectionEventDetail, WebRtcPeerConnection } from '../peer-connection.js';
import type { SignalMessage, Signaler } from '../types.js';
import type { IceRestartPolicy, IceRestartOptions } from './ice-restart.js';
import { checkCounts } from '../validate.js';
import { parseSignalMessage } from './signal-message.js';
import type { AddDetailListener, RemoveDetailListener } from '../typed-events.js';

export interface SessionOptions {
  /** This end's id when the signaler assigns none (default: random). */
  id?: string;
  /**
   * The polite peer yields when both offer at once. By default the peer with the larger id is
   * polite, so two sessions agree without being told.
   */
  polite?: boolean;
  /** Automatic ICE restart (default on); `false` turns it off. */
  iceRestart?: IceRestartOptions | false;
  /** The peer this session talks to, when known in advance (a mesh knows its peers). */
  remoteId?: string;
  /**
   * The signaler carries several sessions (a mesh): messages from other peers are theirs, not
   * errors, and are ignored quietly.
   */
  shared?: boolean;
  /**
   * The peer whose session just ended: presence does not pick it (it may be leaving the room, its
   * `peer-left` still on the way); its own hello still finds it.
   */
  formerPeer?: string;
  /**
   * With nothing to send, this end asks for audio and video: as the impolite side it offers them at
   * once, receive-only, where it would say a hello and wait for the other's offer (a leg more).
   */
  receive?: boolean;
}

export interface SessionEventDetail {
  /** The remote peer was found (its id, when the signaler gives ids). */
  peer: { id: string | undefined };
  reconnecting: { reason: string; attempt: number };
  reconnected: { reason: string; attempts: number };
  failed: { reason: string; attempts: number };
  /** The remote side muted (disabled or stopped) or unmuted a track it sends. */
  mute: { track: WebRtcMediaTrack; kind: 'audio' | 'video' };
  unmute: { track: WebRtcMediaTrack; kind: 'audio' | 'video' };
  /** The session ended: `remote` tells whether the other side said `bye`. */
  close: { reason: string; remote: boolean };
  error: { error: WebRtcError };
}

/**
 * How long the polite side waits for the other's first offer when the other's `hello` did not say
 * whether it has anything to negotiate (a peer that predates `negotiate`, or a hello that was lost).
 */
const INITIAL_POLITE_YIELD_MS = 1500;

/** What a signaler with presence (`peers`) fires when its peers change. */
const PRESENCE_EVENTS = ['open', 'peer-joined'];

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface SignalingSession {
  addEventListener: AddDetailListener<SessionEventDetail>;
  removeEventListener: RemoveDetailListener<SessionEventDetail>;
}

/**
 * Binds a peer connection to a signaler with the W3C "perfect negotiation" pattern: either side
 * may offer at any time (adding a track or channel, restarting ICE), and when both offer at once
 * the polite side rolls back and answers. Every message from the signaler is validated; a bad
 * one becomes an `error` event with a `SignalingError` and changes nothing.
 */
export class SignalingSession extends EventTarget {
  readonly connection: WebRtcPeerConnection;
  readonly signaler: Signaler;
  /** The id this session stamps on its messages when the signaler assigns none. */
  readonly id: string;
  /** The other side's id, once it is known. */
  remoteId: string | undefined;

  readonly #options: SessionOptions;
  #unsubscribe: (() => void) | undefined;
  #inbox: Promise<void> = Promise.resolve();
  /** The latest description being applied: the next description and track states wait for it. */
  #describing: Promise<void> = Promise.resolve();
  #makingOffer = false;
  /** Track states held while a local description is set but not yet sent: they must not overtake it. */
  #heldTrackStates: SignalMessage[] | undefined;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #remoteFound = false;
  /** What the other side's first `hello` said: it has something to negotiate (so it offers first when impolite). */
  #remoteNegotiates: boolean | undefined;
  /** Wakes the polite side's wait for the first offer when the other's hello arrives. */
  #heardHello: (() => void) | undefined;
  #waitingForRemote: Array<() => void> = [];
  #closed = false;
  #restartPolicy: IceRestartPolicy | undefined;
  #restartLoad: Promise<IceRestartPolicy | undefined> | undefined;
  /** Ends the listeners start() added (to the connection and the signaler) at close(). */
  readonly #listening = new AbortController();

  constructor(connection: WebRtcPeerConnection, signaler: Signaler, options: SessionOptions = {}) {
    super();
    this.connection = connection;
    this.signaler = signaler;
    this.#options = options;
    this.id = options.id ?? randomId();
    if (options.remoteId !== undefined) {
      this.remoteId = options.remoteId;
      this.#remoteFound = true;
    }
  }

  /** Hands the session a message its signaler delivered before the session listened (a mesh found a peer by it). */
  deliver(message: SignalMessage): void {
    this.#inbox = this.#inbox.then(() => this.#handle(message)).catch((error) => this.#report(error));
  }

  /** This end's id as the other side sees it. */
  get localId(): string {
    return this.signaler.peerId ?? this.id;
  }

  get polite(): boolean {
    if (this.#options.polite !== undefined) return this.#options.polite;
    if (this.signaler.offerOnly) return false;
    return this.remoteId !== undefined && this.localId > this.remoteId;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #fire<K extends keyof SessionEventDetail>(type: K, detail: SessionEventDetail[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #report(error: unknown): void {
    if (this.#closed) return;
    const wrapped =
      error instanceof Error && 'code' in error
        ? (error as WebRtcError)
        : new SignalingError(`Signaling failed: ${messageOf(error)}`, { cause: error });
    this.#fire('error', { error: wrapped });
  }

  /** Starts listening and announces this end. Idempotent. */
  start(): void {
    if (this.#unsubscribe || this.#closed) return;
    const scoped = { signal: this.#listening.signal };
    // First: bad restart options throw (RangeError) before anything listens.
    if (this.#options.iceRestart !== false) {
      checkCounts(this.#options.iceRestart, 'maxAttempts disconnectedTimeoutMs attemptTimeoutMs');
      // The restart policy is not in the first download: it loads once connected (while the network
      // is surely up to fetch it), or at the first sign of trouble before that.
      this.connection.addEventListener('iceconnectionstatechange', this.#loadRestartsWhenDue, scoped);
      this.connection.addEventListener('statechange', this.#loadRestartsWhenDue, scoped);
    }
    this.#unsubscribe = this.signaler.subscribe((message) => this.deliver(message));
    // onNegotiationNeeded never rejects: what it awaits never does, and the offer is made in a try.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    this.connection.addEventListener('negotiationneeded', this.#onNegotiationNeeded, scoped);
    this.connection.addEventListener('icecandidate', this.#onIceCandidate, scoped);
    this.connection.addEventListener('statechange', this.#onStateChange, scoped);
    if (!this.#lookAround()) this.#sayHello();
    if (this.signaler instanceof EventTarget)
      for (const type of PRESENCE_EVENTS) this.signaler.addEventListener(type, this.#lookAround, scoped);
    // The browser's first negotiationneeded comes a task later: when the
    // connection already has something to negotiate, the first offer need not wait for it.
    if (this.#toNegotiate() > 0) void this.#onNegotiationNeeded();
  }

  /**
   * Finds the peer by the signaler's presence, the one peer it sees (a mesh's sessions know theirs
   * from the start). The impolite side's first offer then goes at once, with no hello first; the
   * polite side, or one with nothing to offer, says hello.
   */
  readonly #lookAround = (): boolean => {
    const peers = [...(this.signaler.peers ?? [])].filter((peer) => peer !== this.#options.formerPeer);
    if (this.#remoteFound || peers.length !== 1) return false;
    this.#found(peers[0]!);
    if (this.polite || !(this.#toNegotiate() > 0 || this.#offerToReceive())) this.#sayHello();
    return true;
  };

  /**
   * Offers receive-only audio and video when it asks to receive (the browser's negotiationneeded
   * follows); the other side's media flows on the answer.
   */
  #offerToReceive(): boolean {
    const ask = this.#asksToReceive();
    if (ask)
      for (const kind of ['audio', 'video']) this.connection.native.addTransceiver(kind, { direction: 'recvonly' });
    return ask;
  }

  /** Nothing to negotiate yet but media to ask for (`receive`): as the impolite side, it offers that. */
  #asksToReceive(): boolean {
    return !!this.#options.receive && !this.polite && !this.#toNegotiate();
  }

  /**
   * A fresh connection (never described): how many transceivers and channels it has (some: the
   * browser is bound to ask for a first offer); -1 if not fresh.
   */
  #toNegotiate(): number {
    const native = this.connection.native;
    return native.signalingState === 'stable' && !native.localDescription
      ? native.getTransceivers().length + this.connection.dataChannels.length
      : -1;
  }

  /** Presence, with whether this end has anything to negotiate yet (the first offer's roles hang on it). */
  #sayHello(): void {
    this.#send({
      type: 'hello',
      negotiate:
        this.#makingOffer ||
        this.#toNegotiate() > 0 ||
        this.connection.signalingState === 'have-local-offer' ||
        this.#asksToReceive(),
    });
  }

  /** Restarts ICE now (the same path as an automatic restart). */
  restartIce(reason = 'manual'): void {
    if (this.#restartPolicy) this.#restartPolicy.restart(reason);
    else if (this.#options.iceRestart === false) this.connection.restartIce();
    else void this.#restarts().then((policy) => policy?.restart(reason));
  }

  readonly #loadRestartsWhenDue = () => {
    const ice = this.connection.iceConnectionState;
    const state = this.connection.state;
    if (ice === 'disconnected' || ice === 'failed' || state === 'failed' || state === 'connected')
      void this.#restarts();
  };

  /** The ICE restart policy, loaded once; undefined if the session closed meanwhile or it did not load (reported). */
  #restarts(): Promise<IceRestartPolicy | undefined> {
    return (this.#restartLoad ??= loadPart('ICE restart', () => import('./ice-restart.js')).then(
      ({ IceRestartPolicy }) =>
        this.#closed
          ? undefined
          : (this.#restartPolicy = new IceRestartPolicy(
              this.connection,
              {
                reconnecting: (reason, attempt) => this.#fire('reconnecting', { reason, attempt }),
                reconnected: (reason, attempts) => this.#fire('reconnected', { reason, attempts }),
                failed: (reason, attempts) => {
                  this.#fire('failed', { reason, attempts });
                  // The other side is gone or unreachable: after the bounded restarts, give up.
                  this.close('timeout');
                },
              },
              this.#options.iceRestart || {},
              this,
            )),
      (error: unknown) => {
        this.#report(error);
        return undefined;
      },
    ));
  }

  #send(message: SignalMessage): void {
    if (this.#closed && message.type !== 'bye') return;
    const routed: SignalMessage = { ...message, from: this.localId };
    if (this.remoteId !== undefined) routed.to = this.remoteId;
    try {
      const result = this.signaler.send(routed);
      if (result && typeof result.then === 'function') result.then(undefined, (error) => this.#report(error));
    } catch (error) {
      this.#report(error);
    }
  }

  #whenRemoteKnown(): Promise<void> {
    if (this.#remoteFound) return Promise.resolve();
    return new Promise((resolve) => this.#waitingForRemote.push(resolve));
  }

  #found(remoteId: string | undefined): void {
    if (this.#remoteFound) return;
    this.#remoteFound = true;
    this.remoteId = remoteId;
    this.#fire('peer', { id: remoteId });
    for (const resolve of this.#waitingForRemote.splice(0)) resolve();
  }

  /**
   * The polite side's first offer waits for the other's: until its offer arrives, its hello says
   * it has nothing to offer, or `timeoutMs` (a peer that never says) has passed.
   */
  #otherOffersFirst(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const stop = new AbortController();
      const done = () => {
        clearTimeout(timer);
        stop.abort();
        this.#heardHello = undefined;
        resolve();
      };
      const check = () => {
        if (this.connection.signalingState === 'have-remote-offer' || this.#closed || this.#remoteNegotiates === false)
          done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.connection.addEventListener('signalingstatechange', check, { signal: stop.signal });
      this.#heardHello = check;
      check();
    });
  }

  readonly #onNegotiationNeeded = async (): Promise<void> => {
    const first = !this.connection.remoteDescription && !this.connection.localDescription;
    // What the other side's hello said predates this need (a channel added after first contact): ask again.
    const stale = this.#remoteNegotiates !== undefined;
    await this.#whenRemoteKnown();
    // What came with the message that found the peer may be its offer: answer that rather than
    // offer into glare (the messages already received are handled first).
    await this.#inbox;
    await this.#describing;
    if (
      first &&
      this.polite &&
      stale &&
      !this.#makingOffer &&
      this.connection.signalingState === 'stable' &&
      !this.connection.localDescription
    ) {
      this.#remoteNegotiates = undefined;
      this.#send({ type: 'hello', negotiate: true });
    }
    if (first && this.polite && !this.connection.remoteDescription && this.#remoteNegotiates !== false) {
      // The first negotiation: the impolite side offers first when it has something to negotiate
      // (its hello says so). Chromium stops gathering ICE candidates when a first offer is rolled
      // back in glare, so we avoid that glare. Without a word either way, wait a little for it.
      await this.#otherOffersFirst(this.#remoteNegotiates ? 4 * INITIAL_POLITE_YIELD_MS : INITIAL_POLITE_YIELD_MS);
      await this.#describing;
    }
    // Answered instead: the browser asks again if anything is still to negotiate.
    if (this.#closed || (first && this.connection.remoteDescription)) return;
    // Already offering (the first offer went early), or not stable: the browser asks again once stable.
    if (this.#closed || this.#makingOffer || this.connection.signalingState !== 'stable') return;
    try {
      this.#makingOffer = true;
      await this.#sendLocalDescription();
    } catch (error) {
      this.#report(error);
    } finally {
      this.#makingOffer = false;
    }
  };

  readonly #onIceCandidate = (event: CustomEvent<PeerConnectionEventDetail['icecandidate']>): void => {
    this.#send({ type: 'candidate', candidate: event.detail.candidate });
  };

  readonly #onStateChange = (): void => {
    if (this.connection.state === 'closed' && !this.#closed) this.close('closed');
  };

  async #handle(raw: SignalMessage): Promise<void> {
    if (this.#closed) return;
    let message: SignalMessage;
    try {
      message = parseSignalMessage(raw);
    } catch (error) {
      this.#report(error);
      return;
    }
    const local = this.localId;
    if (message.from !== undefined && message.from === local) return; // our own echo
    if (message.to !== undefined && message.to !== local) return; // for another peer on a shared channel
    if (
      this.#remoteFound &&
      message.from !== undefined &&
      this.remoteId !== undefined &&
      message.from !== this.remoteId
    ) {
      // Someone else in the room (a peer that came while this one was still connecting, or is
      // leaving): not this session's, and no error. The next session finds it by its hello.
      return;
    }
    if (message.type === 'hello' && this.#remoteNegotiates === undefined) this.#remoteNegotiates = message.negotiate;
    if (!this.#remoteFound && message.type !== 'bye') this.#found(message.from);

    switch (message.type) {
      case 'hello':
        // Answered: an announcement (no `to`), and the polite side's question before its first offer.
        // The impolite side that only receives offers instead (its offer finds it as a hello would).
        if (
          !this.#offerToReceive() &&
          (message.to === undefined || (message.negotiate && !this.polite && !this.connection.remoteDescription))
        )
          this.#sayHello();
        this.#heardHello?.();
        return;
      case 'description': {
        // The inbox moves on once setRemoteDescription is under way, not done: the candidates
        // behind it then reach the browser while it applies the offer, as in the W3C pattern,
        // and ICE checks can start as soon as the answer is set.
        let underWay!: () => void;
        const started = new Promise<void>((resolve) => {
          underWay = resolve;
        });
        const description = message.description;
        this.#describing = this.#describing
          .then(() => this.#onDescription(description, underWay))
          .catch((error) => this.#report(error))
          .finally(underWay);
        return started;
      }
      case 'candidate':
        // Not awaited either: the browser applies candidates in order on its operations chain.
        this.connection.addIceCandidate(message.candidate).catch((error) => {
          if (!this.#ignoreOffer) this.#report(error);
        });
        return;
      case 'bye':
        if (this.#remoteFound || message.from === undefined) this.close(message.reason ?? 'bye', true);
        return;
      case 'track-state': {
        await this.#describing; // the transceiver comes with the description before it
        const transceiver = this.connection.native.getTransceivers().find((t) => t.mid === message.mid);
        const track = this.connection.remoteTrackList.find((t) => t.native === transceiver?.receiver.track);
        if (!track) {
          this.#report(new SignalingError(`track-state: unknown mid ${message.mid}`, { reason: 'unknown-track' }));
          return;
        }
        this.#fire(message.muted ? 'mute' : 'unmute', { track, kind: message.kind });
        return;
      }
    }
  }

  /** Applies a description (and answers an offer); calls `underWay` once setRemoteDescription is called. */
  async #onDescription(
    description: Extract<SignalMessage, { type: 'description' }>['description'],
    underWay: () => void,
  ): Promise<void> {
    const connection = this.connection;
    const readyForOffer = !this.#makingOffer && (connection.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = description.type === 'answer';
    try {
      const applying = connection.setRemoteDescription(description);
      underWay();
      await applying;
    } catch (error) {
      this.#report(error);
      return;
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (description.type === 'offer') {
      try {
        await this.#sendLocalDescription();
      } catch (error) {
        this.#report(error);
      }
    }
  }

  /** Sets the local description (an offer or an answer) and sends it, then the track states held meanwhile. */
  async #sendLocalDescription(): Promise<void> {
    this.#heldTrackStates ??= [];
    try {
      await this.connection.setLocalDescription();
      const description = this.connection.localDescription;
      if (description) {
        this.#send({ type: 'description', description });
        // Tracks muted before they had a mid (before a peer came, or a new peer): the other side hears of it now.
        for (const { mid, sender } of this.connection.native.getTransceivers()) {
          if (mid && sender.track && !sender.track.enabled)
            this.#send({ type: 'track-state', mid, kind: sender.track.kind as 'audio' | 'video', muted: true });
        }
      }
    } finally {
      for (const message of this.#heldTrackStates?.splice(0) ?? []) this.#send(message);
      this.#heldTrackStates = undefined;
    }
  }

  /**
   * Mutes or unmutes a track this side sends (disables it: black video, silent audio) and tells
   * the other side, which gets `mute` / `unmute`. Browsers do not say it themselves.
   */
  setTrackMuted(track: WebRtcMediaTrack | MediaStreamTrack, muted: boolean): void {
    const native = 'native' in track ? track.native : track;
    native.enabled = !muted;
    const transceiver = this.connection.native.getTransceivers().find((t) => t.sender.track === native);
    if (!transceiver?.mid) return; // not negotiated yet: the state goes with the track
    const message: SignalMessage = {
      type: 'track-state',
      mid: transceiver.mid,
      kind: native.kind as 'audio' | 'video',
      muted,
    };
    // A mid can be newer than what the other side has seen: then the description goes first.
    if (this.#heldTrackStates) this.#heldTrackStates.push(message);
    else this.#send(message);
  }

  /** Says `bye` to the other side, then closes. */
  hangUp(reason = 'hangup'): void {
    if (this.#closed) return;
    this.#send({ type: 'bye', reason });
    this.close(reason);
  }

  /** Stops listening and closes the connection. Idempotent. */
  close(reason = 'closed', remote = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#listening.abort();
    this.#restartPolicy?.stop();
    this.connection.close();
    for (const resolve of this.#waitingForRemote.splice(0)) resolve();
    this.#fire('close', { reason, remote });
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
