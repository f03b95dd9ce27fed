import type { WebRtcPeerConnection } from '../peer-connection.js';

export interface IceRestartOptions {
  /** Restarts tried before giving up (default 3). */
  maxAttempts?: number;
  /** How long `disconnected` may last before a restart (default 2,000 ms; browsers often recover alone). */
  disconnectedTimeoutMs?: number;
  /** How long one restart may take to reconnect before the next is tried (default 5,000 ms). */
  attemptTimeoutMs?: number;
}

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
  private readonly maxAttempts: number;
  private readonly disconnectedTimeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private attempts = 0;
  private reason = '';
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly onChange = () => this.check();

  constructor(
    private readonly connection: WebRtcPeerConnection,
    private readonly listener: IceRestartListener,
    options: IceRestartOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.disconnectedTimeoutMs = options.disconnectedTimeoutMs ?? 2000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
    connection.addEventListener('iceconnectionstatechange', this.onChange);
    connection.addEventListener('statechange', this.onChange);
    // A restart while still connected changes no ICE state: the applied answer ends it.
    connection.addEventListener('signalingstatechange', this.onChange);
  }

  get restarting(): boolean {
    return this.attempts > 0;
  }

  private check(): void {
    if (this.stopped) return;
    const ice = this.connection.iceConnectionState;
    const state = this.connection.state;
    if (state === 'closed') return this.stop();
    const stable = this.connection.signalingState === 'stable';
    if (state === 'connected' && (ice === 'connected' || ice === 'completed') && stable) {
      clearTimeout(this.disconnectedTimer);
      this.disconnectedTimer = undefined;
      if (this.attempts > 0) {
        clearTimeout(this.attemptTimer);
        const attempts = this.attempts;
        this.attempts = 0;
        this.listener.reconnected(this.reason, attempts);
      }
      return;
    }
    if (ice === 'failed' || state === 'failed') {
      if (this.attempts === 0) this.restart('ice-failed');
      return;
    }
    if (ice === 'disconnected' && this.attempts === 0 && !this.disconnectedTimer) {
      this.disconnectedTimer = setTimeout(() => {
        this.disconnectedTimer = undefined;
        if (this.connection.iceConnectionState === 'disconnected' || this.connection.iceConnectionState === 'failed') {
          this.restart('ice-disconnected');
        }
      }, this.disconnectedTimeoutMs);
    }
  }

  /** Starts (or continues) restarting; also the manual path (`session.restartIce()`). */
  restart(reason: string): void {
    if (this.stopped || this.connection.isClosed) return;
    clearTimeout(this.attemptTimer);
    if (this.attempts >= this.maxAttempts) {
      const attempts = this.attempts;
      this.stop();
      this.listener.failed(reason, attempts);
      return;
    }
    this.attempts++;
    this.reason = reason;
    this.listener.reconnecting(reason, this.attempts);
    try {
      this.connection.restartIce();
    } catch {
      // Closed in between: check() stops the policy on the close event.
    }
    this.attemptTimer = setTimeout(() => this.restart(reason), this.attemptTimeoutMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.disconnectedTimer);
    clearTimeout(this.attemptTimer);
    this.connection.removeEventListener('iceconnectionstatechange', this.onChange);
    this.connection.removeEventListener('statechange', this.onChange);
    this.connection.removeEventListener('signalingstatechange', this.onChange);
  }
}
