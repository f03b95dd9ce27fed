import { randomInt } from 'node:crypto';
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

/**
 * What the connections of one server share, held here once rather than by each connection (a
 * field costs 8 bytes a client, a fractional number 16 more): the limits, the unsent-bytes
 * budget, the fault handler, the join deadlines and the heartbeat's ping.
 */
export class ConnectionShared {
  /** Bytes handed to sockets and not yet written to the network, all connections together. */
  unsent = 0;
  /**
   * When (`performance.now()`) each connection in no room must have joined: only the few outside
   * a room hold a deadline, not every connection.
   */
  readonly joinDeadlines = new Map<Connection, number>();
  /**
   * The payload of this heartbeat round's ping (48 random bits, the same for every socket): only a
   * pong that echoes it counts. A new buffer each round: a ping still queued keeps its own.
   */
  ping = Buffer.alloc(6);
  #nonce = -1;

  constructor(
    readonly limits: ConnectionLimits,
    /** Called when a connection must go (slow reader, heartbeat, no join): the owner leaves the room and closes. */
    readonly onFault: (connection: Connection, code: ServerCloseCode, reason: string) => void,
  ) {}

  /** Starts a heartbeat round: a fresh ping payload. */
  nextPing(): void {
    this.#nonce = randomInt(2 ** 48 - 1);
    this.ping = Buffer.allocUnsafe(6);
    this.ping.writeUIntBE(this.#nonce, 0, 6);
  }

  /** Whether a pong echoes this round's ping. */
  isPong(data: Buffer): boolean {
    return data.length === 6 && data.readUIntBE(0, 6) === this.#nonce;
  }
}

/**
 * Above this a reader counts as slow while the server-wide budget is spent (it gets no more). A
 * reader that keeps up holds next to nothing (signal messages are small and leave at once).
 */
const SLOW_SHARE_BYTES = 64 * 1024;
/** A socket told to close whose close frame cannot get out (a reader that reads nothing) is cut after this. */
const CLOSE_WAIT_MS = 1000;

/** A connection's yes/no states, as bits of one small number: one field instead of three (memory per client). */
const JOINING = 1;
const CLOSED = 2;
/** A ping went out and no pong echoed it yet. */
const UNANSWERED = 4;

/**
 * One client connection: its limits (rate, backpressure, join timeout), its heartbeat and its
 * place in a room. Sends go through `send`, and the server-wide budget counts what each socket
 * still holds (`bufferedAmount`: handed to the socket, not yet written to the network), so that
 * readers that do not read cannot hold the server's memory. No timer and no closure per send:
 * the owner's sweep checks join deadlines and re-counts the budget.
 *
 * A connection holds only what each client needs all the time (memory per client): what all
 * share is in `ConnectionShared`, what few need (a join deadline, a grace timer, relays waiting
 * on Redis) is kept by its owner while it lasts.
 */
export class Connection {
  // Every field starts in the constructor (none added later): the object keeps one shape, its
  // fields inside it, with no separate property store per client.
  id: string | undefined = undefined;
  room: string | undefined = undefined;
  refusedInARow = 0;
  /** With TURN: when (performance.now()) this peer gets fresh credentials; 0 before its welcome. */
  turnDue = 0;
  /**
   * The rate limit's token bucket (`rate.perSecond` a second, up to `rate.burst`) as one number:
   * when (`performance.now()` ms) it is full again; the tokens it holds follow from that.
   */
  #fullAt = 0;
  /** This connection's share of `shared.unsent`, as of its last count. */
  #counted = 0;
  /** JOINING, CLOSED and UNANSWERED. */
  #flags = 0;
  readonly #shared: ConnectionShared;

  /** `address` is the client's when addresses are counted (for the per-address limit). */
  constructor(
    readonly socket: WebSocket,
    readonly address: string | undefined,
    shared: ConnectionShared,
  ) {
    this.#shared = shared;
    this.armJoinTimer();
  }

  /** A join is under way (a second one is refused meanwhile). */
  get joining(): boolean {
    return (this.#flags & JOINING) !== 0;
  }

  set joining(value: boolean) {
    this.#flags = value ? this.#flags | JOINING : this.#flags & ~JOINING;
  }

  get #closed(): boolean {
    return (this.#flags & CLOSED) !== 0;
  }

  /** Takes one message's token; false when the bucket is empty (the message is refused). */
  takeToken(): boolean {
    const now = performance.now();
    const { perSecond, burst } = this.#shared.limits.rate;
    const msPerToken = 1000 / perSecond;
    const fullAt = Math.max(this.#fullAt, now);
    if (burst - (fullAt - now) / msPerToken < 1) return false;
    this.#fullAt = fullAt + msPerToken;
    return true;
  }

  /** A pong came (the server listens once for all sockets): only an answer to our own ping counts. */
  pong(data: Buffer): void {
    if (this.#shared.isPong(data)) this.#flags &= ~UNANSWERED;
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  /** Starts (again) the wait for a join: a connection outside any room may stay `joinTimeoutMs`. */
  armJoinTimer(): void {
    this.#shared.joinDeadlines.set(this, performance.now() + this.#shared.limits.joinTimeoutMs);
  }

  joined(): void {
    this.#shared.joinDeadlines.delete(this);
  }

  /** Bytes this socket holds unsent; brings the server-wide count up to date with it. */
  #count(): number {
    const unsent = this.#closed ? 0 : this.socket.bufferedAmount;
    this.#shared.unsent += unsent - this.#counted;
    this.#counted = unsent;
    return unsent;
  }

  /** Whether this reader is too far behind: over its own limit, or holding much while the server's budget is spent. */
  isSlow(extra = 0): boolean {
    const unsent = this.#count() + extra;
    const { maxBufferedBytes, maxUnsentBytes } = this.#shared.limits;
    if (unsent > maxBufferedBytes) return true;
    return this.#shared.unsent + extra > maxUnsentBytes && unsent > Math.min(SLOW_SHARE_BYTES, maxBufferedBytes);
  }

  /** The sweep (about once a second): a connection that did not join in time, or a slow reader, goes. */
  sweep(now: number): void {
    if (this.#closed) return;
    const joinBy = this.#shared.joinDeadlines.get(this);
    if (joinBy !== undefined && now >= joinBy && !this.room && !this.joining)
      this.#shared.onFault(this, 4012, 'no join in time');
    else if (this.isSlow()) this.#shared.onFault(this, 4009, 'slow reader: too much unsent data');
  }

  send(message: ServerMessage): void {
    if (this.open) this.sendText(JSON.stringify(message));
  }

  /** Sends a message already serialized (a broadcast serializes once for the whole room). */
  sendText(text: string): void {
    if (!this.open) return;
    // Length in UTF-16 units: the bytes of mostly-ASCII JSON, without a scan.
    if (this.isSlow(text.length)) {
      this.#shared.onFault(this, 4009, 'slow reader: too much unsent data');
      return;
    }
    this.socket.send(text);
    this.#count();
  }

  /**
   * One heartbeat round (after `shared.nextPing`): false when the last ping went unanswered (the
   * caller drops the connection).
   */
  heartbeat(): boolean {
    if (this.#closed) return true;
    if (this.#flags & UNANSWERED) return false;
    this.#flags |= UNANSWERED;
    try {
      this.socket.ping(this.#shared.ping);
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

  /** The socket is gone (or going): its unsent bytes no longer count, and it waits for no join. */
  release(): void {
    if (this.#closed) return;
    this.#flags |= CLOSED;
    this.#shared.unsent -= this.#counted;
    this.#counted = 0;
    this.#shared.joinDeadlines.delete(this);
  }
}
