import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ServerCloseCode, ServerMessage } from '../src/types.js';

export interface ConnectionLimits {
  rate: { perSecond: number; burst: number };
  floodCloseAfter: number;
  maxBufferedBytes: number;
  /** Bytes handed to sockets and not yet written to the network, all connections together. */
  maxUnsentBytes: number;
  joinTimeoutMs: number;
}

/** What every connection of one server shares: the unsent-bytes budget. */
export class UnsentBudget {
  used = 0;
  constructor(readonly max: number) {}
}

/**
 * Above this a reader counts as slow while the server-wide budget is spent (it gets no more). A
 * reader that keeps up holds next to nothing (signal messages are small and leave at once).
 */
const SLOW_SHARE_BYTES = 64 * 1024;
/** A socket told to close whose close frame cannot get out (a reader that reads nothing) is cut after this. */
const CLOSE_WAIT_MS = 1000;

/**
 * One client connection: its limits (rate, backpressure, join timeout), its heartbeat and its
 * place in a room. Sends go through `send`, and the server-wide budget counts what each socket
 * still holds (`bufferedAmount`: handed to the socket, not yet written to the network), so that
 * readers that do not read cannot hold the server's memory. No timer and no closure per send:
 * the owner's sweep checks join deadlines and re-counts the budget.
 */
export class Connection {
  // Every field starts in the constructor (none added later): the object keeps one shape, its
  // fields inside it, with no separate property store per client.
  id: string | undefined = undefined;
  room: string | undefined = undefined;
  joining = false;
  refusedInARow = 0;
  /** Set when the socket dropped and the peer is kept for `leaveGraceMs`. */
  graceTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Cluster: the relays of this connection that wait on Redis (later ones wait behind them, in order). */
  relayQueue: Promise<void> | undefined = undefined;
  /** With TURN: when (performance.now()) this peer gets fresh credentials; 0 before its welcome. */
  turnDue = 0;
  /** The rate limit's token bucket (`rate.perSecond` a second, up to `rate.burst`), kept here: no object per client. */
  #tokens: number;
  #tokensAt = performance.now();
  /** This connection's share of `budget.used`, as of its last count. */
  #counted = 0;
  #closed = false;
  /** The payload of the last ping (48 random bits): only a pong that echoes it counts. */
  #nonce = -1;
  #answered = true;
  /** When a connection in no room must have joined (ms, `performance.now()`); 0 when in a room. */
  #joinBy: number;
  readonly #limits: ConnectionLimits;
  readonly #budget: UnsentBudget;
  /** Called when this connection must go (slow reader, heartbeat, no join): the owner leaves the room and closes. */
  readonly #onFault: (connection: Connection, code: ServerCloseCode, reason: string) => void;

  /**
   * `request` is kept only for a `verify` hook (a request holds its headers and more: about a
   * kilobyte a client); `address` is the client's, for the per-address count.
   */
  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage | undefined,
    readonly address: string,
    limits: ConnectionLimits,
    budget: UnsentBudget,
    onFault: (connection: Connection, code: ServerCloseCode, reason: string) => void,
  ) {
    this.#limits = limits;
    this.#budget = budget;
    this.#onFault = onFault;
    this.#tokens = limits.rate.burst;
    this.#joinBy = performance.now() + limits.joinTimeoutMs;
  }

  /** Takes one message's token; false when the bucket is empty (the message is refused). */
  takeToken(): boolean {
    const now = performance.now();
    const { perSecond, burst } = this.#limits.rate;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * perSecond);
    this.#tokensAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** A pong came (the server listens once for all sockets): only an answer to our own ping counts. */
  pong(data: Buffer): void {
    if (data.length === 6 && data.readUIntBE(0, 6) === this.#nonce) this.#answered = true;
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  /** Starts (again) the wait for a join: a connection outside any room may stay `joinTimeoutMs`. */
  armJoinTimer(): void {
    this.#joinBy = performance.now() + this.#limits.joinTimeoutMs;
  }

  joined(): void {
    this.#joinBy = 0;
  }

  /** Bytes this socket holds unsent; brings the server-wide count up to date with it. */
  #count(): number {
    const unsent = this.#closed ? 0 : this.socket.bufferedAmount;
    this.#budget.used += unsent - this.#counted;
    this.#counted = unsent;
    return unsent;
  }

  /** Whether this reader is too far behind: over its own limit, or holding much while the server's budget is spent. */
  isSlow(extra = 0): boolean {
    const unsent = this.#count() + extra;
    if (unsent > this.#limits.maxBufferedBytes) return true;
    return (
      this.#budget.used + extra > this.#budget.max && unsent > Math.min(SLOW_SHARE_BYTES, this.#limits.maxBufferedBytes)
    );
  }

  /** The sweep (about once a second): a connection that did not join in time, or a slow reader, goes. */
  sweep(now: number): void {
    if (this.#closed) return;
    if (this.#joinBy !== 0 && now >= this.#joinBy && !this.room && !this.joining)
      this.#onFault(this, 4012, 'no join in time');
    else if (this.isSlow()) this.#onFault(this, 4009, 'slow reader: too much unsent data');
  }

  send(message: ServerMessage): void {
    if (this.open) this.sendText(JSON.stringify(message));
  }

  /** Sends a message already serialized (a broadcast serializes once for the whole room). */
  sendText(text: string): void {
    if (!this.open) return;
    // Length in UTF-16 units: the bytes of mostly-ASCII JSON, without a scan.
    if (this.isSlow(text.length)) {
      this.#onFault(this, 4009, 'slow reader: too much unsent data');
      return;
    }
    this.socket.send(text);
    this.#count();
  }

  /** One heartbeat round: false when the last ping went unanswered (the caller drops the connection). */
  heartbeat(): boolean {
    if (this.#closed) return true;
    if (!this.#answered) return false;
    this.#answered = false;
    this.#nonce = randomInt(2 ** 48 - 1);
    const payload = Buffer.allocUnsafe(6);
    payload.writeUIntBE(this.#nonce, 0, 6);
    try {
      this.socket.ping(payload);
    } catch {
      /* closing already */
    }
    return true;
  }

  /**
   * Closes with `code`; a socket whose close frame cannot get out (its reader reads nothing) is
   * cut after a second, and what it held stops counting at once.
   */
  close(code: ServerCloseCode | 1000 | 1001, reason: string): void {
    if (this.#closed) return;
    this.release();
    try {
      this.socket.close(code, reason.slice(0, 120));
    } catch {
      this.socket.terminate();
      return;
    }
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_WAIT_MS);
    timer.unref?.();
    this.socket.once('close', () => clearTimeout(timer));
  }

  /** The socket is gone (or going): its unsent bytes no longer count. */
  release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#budget.used -= this.#counted;
    this.#counted = 0;
  }
}
