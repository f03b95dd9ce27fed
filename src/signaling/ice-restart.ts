import type { WebRtcPeerConnection } from '../peer-connection.js';

export interface IceRestartOptions {
  /** Restarts tried before giving up (default 3). */
  maxAttempts?: number;
  /** How long `disconnected` may last before a restart (default 2,000 ms; browsers often recover alone). */
  disconnectedTimeoutMs?: number;
  /** How long one restart may take to reconnect before the next is tried (default 5,000 ms). */
  attemptTimeoutMs?: number;
}

/** The policy's view of its session: the polite side lets the other restart first. */
export interface IceRestartHost {
  readonly polite: boolean;
}

/** How long the polite side waits for the other side's restart before starting its own. */
const POLITE_RESTART_DELAY_MS = 1000;

export interface IceRestartListener {
  reconnecting(reason: string, attempt: number): void;
  reconnected(reason: string, attempts: number): void;
  failed(reason: string, attempts: number): void;
}

/**
 * Restarts ICE when a connection fails, or stays disconnected too long: a bounded number of
 * times, each with a deadline. The restart itself goes through `negotiationneeded`, so whatever
 * negotiates the connection (the session) sends the new offer.
 */
export class IceRestartPolicy {
  readonly #attemptLimit: number;
  readonly #disconnectedMs: number;
  readonly #attemptMs: number;
  #attempts = 0;
  /** A restart is over only after a negotiation carried the new credentials. */
  #negotiatedSinceRestart = false;
  #reason = '';
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #attemptTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #onChange = () => this.#check();
  readonly #connection: WebRtcPeerConnection;
  readonly #listener: IceRestartListener;
  readonly #host: IceRestartHost;

  constructor(
    connection: WebRtcPeerConnection,
    listener: IceRestartListener,
    options: IceRestartOptions = {},
    host: IceRestartHost = { polite: false },
  ) {
    this.#connection = connection;
    this.#listener = listener;
    this.#host = host;
    this.#attemptLimit = options.maxAttempts ?? 3;
    this.#disconnectedMs = options.disconnectedTimeoutMs ?? 2000;
    this.#attemptMs = options.attemptTimeoutMs ?? 5000;
    connection.addEventListener('iceconnectionstatechange', this.#onChange);
    connection.addEventListener('statechange', this.#onChange);
    // A restart while still connected changes no ICE state: the applied answer ends it.
    connection.addEventListener('signalingstatechange', this.#onChange);
    // Loaded when trouble began: the state it came for is already here.
    this.#check();
  }

  #check(): void {
    if (this.#stopped) return;
    const ice = this.#connection.iceConnectionState;
    const state = this.#connection.state;
    if (state === 'closed') return this.stop();
    const stable = this.#connection.signalingState === 'stable';
    if (!stable) this.#negotiatedSinceRestart = true;
    const settled = this.#attempts === 0 || (stable && this.#negotiatedSinceRestart);
    if (state === 'connected' && (ice === 'connected' || ice === 'completed') && settled) {
      clearTimeout(this.#disconnectedTimer);
      this.#disconnectedTimer = undefined;
      if (this.#attempts > 0) {
        clearTimeout(this.#attemptTimer);
        const attempts = this.#attempts;
        this.#attempts = 0;
        this.#listener.reconnected(this.#reason, attempts);
      }
      return;
    }
    if (ice === 'failed' || state === 'failed') {
      if (this.#attempts === 0) this.#restartSoon('ice-failed');
      return;
    }
    if (ice === 'disconnected' && this.#attempts === 0 && !this.#disconnectedTimer) {
      this.#disconnectedTimer = setTimeout(() => {
        this.#disconnectedTimer = undefined;
        if (
          this.#connection.iceConnectionState === 'disconnected' ||
          this.#connection.iceConnectionState === 'failed'
        ) {
          this.#restartSoon('ice-disconnected');
        }
      }, this.#disconnectedMs);
    }
  }

  #politeTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * An automatic restart. Both sides see the failure; if both restarted at once, the polite one
   * would roll its offer back (and Chromium may stall gathering), so the polite side waits a
   * moment and restarts only if the other side has not.
   */
  #restartSoon(reason: string): void {
    if (!this.#host.polite) return this.restart(reason);
    if (this.#politeTimer) return;
    this.#politeTimer = setTimeout(() => {
      this.#politeTimer = undefined;
      const ice = this.#connection.iceConnectionState;
      const otherRestarted =
        this.#connection.signalingState !== 'stable' ||
        ice === 'checking' ||
        ice === 'connected' ||
        ice === 'completed';
      if (this.#attempts === 0 && !otherRestarted) this.restart(reason);
    }, POLITE_RESTART_DELAY_MS);
  }

  /** Starts (or continues) restarting; also the manual path (`session.restartIce()`). */
  restart(reason: string): void {
    if (this.#stopped || this.#connection.isClosed) return;
    clearTimeout(this.#attemptTimer);
    if (this.#attempts >= this.#attemptLimit) {
      const attempts = this.#attempts;
      this.stop();
      this.#listener.failed(reason, attempts);
      return;
    }
    this.#attempts++;
    this.#reason = reason;
    this.#negotiatedSinceRestart = false;
    this.#listener.reconnecting(reason, this.#attempts);
    try {
      this.#connection.restartIce();
    } catch {
      // Closed in between: check() stops the policy on the close event.
    }
    this.#attemptTimer = setTimeout(() => this.restart(reason), this.#attemptMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#disconnectedTimer);
    clearTimeout(this.#attemptTimer);
    clearTimeout(this.#politeTimer);
    this.#connection.removeEventListener('iceconnectionstatechange', this.#onChange);
    this.#connection.removeEventListener('statechange', this.#onChange);
    this.#connection.removeEventListener('signalingstatechange', this.#onChange);
  }
}
