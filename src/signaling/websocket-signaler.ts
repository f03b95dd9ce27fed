import { SignalingError } from '../errors.js';
import type { IceServer, ProtocolVersion, ServerMessage, SignalMessage, Signaler } from '../types.js';

/** The protocol version this signaler speaks (docs/PROTOCOL.md), sent with every join. */
const PROTOCOL_VERSION: ProtocolVersion = 1;
import { checkCounts, isIceServer } from '../validate.js';
import type { AddDetailListener, RemoveDetailListener } from '../typed-events.js';

export interface WebSocketSignalerOptions {
  /** Room to join (default "default"). */
  room?: string;
  /** Sent with the join; the server's `verify` hook checks it. */
  token?: string;
  /** Reconnect with exponential backoff (default on: 250 ms doubling to 5 s, without end). */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number; maxAttempts?: number } | false;
  /** Messages kept while disconnected (default 1,000); beyond that `send` throws. */
  maxQueue?: number;
  /**
   * How long a message for a peer that is not (yet, or for now) in the room waits for it
   * (default 30,000 ms); then it is dropped with an `error` event, never silently.
   */
  queueTimeoutMs?: number;
  /** The WebSocket implementation (default the global one; `ws` in Node). */
  WebSocket?: typeof WebSocket;
}

export type WebSocketSignalerState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface WebSocketSignalerEventDetail {
  open: { id: string; room: string; peers: string[] };
  /** The server handed out ICE servers (TURN credentials, fresh ones before the last expire). */
  iceservers: { iceServers: IceServer[] };
  'peer-joined': { id: string };
  'peer-left': { id: string; reason: string };
  reconnecting: { attempt: number; delayMs: number; code: number; reason: string };
  error: { error: SignalingError };
  close: { code: number; reason: string };
}

export interface WebSocketSignaler {
  addEventListener: AddDetailListener<WebSocketSignalerEventDetail>;
  removeEventListener: RemoveDetailListener<WebSocketSignalerEventDetail>;
}

/** Close codes after which reconnecting cannot help (unauthorized, room full). */
const FINAL_CLOSE_CODES = new Set([4001, 4003]);

/**
 * Signals through the reference server (`server/`) over a WebSocket: joins a room, gets a peer
 * id, and reconnects with backoff, keeping its id, so that sessions go on. Messages sent while
 * (re)connecting are queued and sent once joined, in order. A peer leaving the room reaches
 * subscribers as a `bye` from that peer: reason `peer-left` when it left cleanly, `timeout` when
 * it vanished.
 */
export class WebSocketSignaler extends EventTarget implements Signaler {
  readonly url: string;
  readonly room: string;
  /** Peers in the room besides this one. */
  readonly peers = new Set<string>();
  /** ICE servers from the server (TURN credentials); sessions over this signaler use them. */
  iceServers: IceServer[] = [];
  readonly #options: WebSocketSignalerOptions;
  readonly #Socket: typeof WebSocket;
  #socket: WebSocket | undefined;
  #id: string | undefined;
  /** The welcome's secret for `id`: a reconnect presents it to get the same id back. */
  #resume: unknown;
  /** The protocol version of the server's latest welcome (1 when it did not say). */
  serverProtocol: number | undefined;
  #joined = false;
  #queue: Array<{ text: string; to: string | undefined; at: number }> = [];
  #listeners = new Set<(message: SignalMessage) => void>();
  /** What came before the first subscriber, kept for it: a peer that sees this one may offer at once. */
  #unheard: SignalMessage[] | undefined = [];
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Fires when the oldest queued message is due to expire, so that it is reported on time. */
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #currentState: WebSocketSignalerState = 'connecting';
  #openWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(url: string, options: WebSocketSignalerOptions = {}) {
    super();
    if (!/^wss?:\/\//.test(url))
      throw new SignalingError(`Not a ws:// or wss:// URL: ${JSON.stringify(url.slice(0, 40))}`, { reason: 'bad-url' });
    checkCounts(options, 'maxQueue queueTimeoutMs');
    checkCounts(options.reconnect, 'minDelayMs maxDelayMs maxAttempts');
    this.url = url;
    this.room = options.room ?? 'default';
    this.#options = options;
    const Socket = options.WebSocket ?? globalThis.WebSocket;
    if (!Socket) throw new SignalingError('No WebSocket here: pass one in the options', { reason: 'unsupported' });
    this.#Socket = Socket;
    this.#connect();
  }

  get peerId(): string | undefined {
    return this.#id;
  }

  get state(): WebSocketSignalerState {
    return this.#currentState;
  }

  /** Messages waiting for the connection. */
  get queuedCount(): number {
    return this.#queue.length;
  }

  /** Resolves once joined (at once if joined); rejects if the signaler closes first. */
  whenOpen(): Promise<void> {
    if (this.#joined) return Promise.resolve();
    if (this.#currentState === 'closed')
      return Promise.reject(new SignalingError('The signaler is closed', { reason: 'closed' }));
    return new Promise((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
  }

  #fire<K extends keyof WebSocketSignalerEventDetail>(type: K, detail: WebSocketSignalerEventDetail[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #connect(): void {
    let socket: WebSocket;
    try {
      socket = new this.#Socket(this.url);
    } catch (error) {
      this.#fire('error', {
        error: new SignalingError(`Cannot open ${this.url}: ${String(error)}`, { cause: error, reason: 'connect' }),
      });
      this.#scheduleReconnect(1006, 'connect failed');
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      // Undefined fields are left out by JSON.stringify; an id without its resume token gets a new one.
      socket.send(
        JSON.stringify({
          type: 'join',
          room: this.room,
          protocol: PROTOCOL_VERSION,
          token: this.#options.token,
          id: this.#id,
          resumeToken: this.#resume,
        }),
      );
    });
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#joined = false;
      if (this.#currentState === 'closed') return;
      if (FINAL_CLOSE_CODES.has(event.code) || this.#options.reconnect === false) {
        this.#shutdown(event.code, event.reason || 'closed by the server');
        return;
      }
      this.#scheduleReconnect(event.code, event.reason);
    });
    socket.addEventListener('error', () => {
      /* 'close' follows and decides */
    });
  }

  #scheduleReconnect(code: number, reason: string): void {
    const options = this.#options.reconnect || {};
    const max = options.maxAttempts ?? Infinity;
    if (this.#attempt >= max) {
      this.#shutdown(code, `${this.#attempt} reconnects failed`);
      return;
    }
    this.#attempt++;
    const min = options.minDelayMs ?? 250;
    const delayMs = Math.min(options.maxDelayMs ?? 5000, min * 2 ** (this.#attempt - 1)) * (0.75 + Math.random() * 0.5);
    this.#currentState = 'reconnecting';
    this.#fire('reconnecting', { attempt: this.#attempt, delayMs, code, reason });
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string') return this.#reportBad('a binary frame');
    let message: ServerMessage;
    try {
      message = JSON.parse(data);
    } catch {
      return this.#reportBad('text that is not JSON');
    }
    if (typeof message !== 'object' || message === null) return this.#reportBad('a message that is not an object');
    switch (message.type) {
      case 'welcome': {
        if (typeof message.id !== 'string' || !Array.isArray(message.peers))
          return this.#reportBad('a malformed welcome');
        // A welcome without `protocol` is version 1 (servers before the field); this signaler speaks 1.
        this.serverProtocol = typeof message.protocol === 'number' ? message.protocol : 1;
        this.#id = message.id;
        this.#resume = message.resumeToken; // the server checks it on the next join
        this.#joined = true;
        this.#attempt = 0;
        this.#currentState = 'open';
        // Back in our place: who is not in the room now left while we were away (we missed their peer-left).
        if (message.resumed) for (const peer of this.peers) if (!message.peers.includes(peer)) this.#left(peer);
        this.peers.clear();
        for (const peer of message.peers) if (typeof peer === 'string') this.peers.add(peer);
        this.#takeIceServers(message.iceServers);
        this.#flush();
        this.#fire('open', { id: message.id, room: this.room, peers: [...this.peers] });
        for (const waiter of this.#openWaiters.splice(0)) waiter.resolve();
        return;
      }
      case 'ice-servers':
        this.#takeIceServers(message.iceServers);
        return;
      case 'peer-joined':
        if (typeof message.id === 'string') {
          this.peers.add(message.id);
          this.#flush();
          this.#fire('peer-joined', { id: message.id });
        }
        return;
      case 'peer-left':
        if (typeof message.id === 'string') this.#left(message.id, String(message.reason ?? 'left').slice(0, 200));
        return;
      case 'error': {
        const code = String(message.code ?? 'unknown').slice(0, 40);
        // Sent while its peer was here, refused once it had left (its bye is out): the two crossed.
        if (message.to && !this.peers.has(message.to)) return;
        const text = String(message.message ?? '').slice(0, 300);
        this.#fire('error', {
          error: new SignalingError(`The server refused a message (${code}): ${text}`, { reason: code }),
        });
        return;
      }
      default:
        // A relayed signal message: subscribers (sessions) validate it.
        this.#deliver(message as SignalMessage);
    }
  }

  /** Keeps ICE servers the server sent (untrusted: only well-formed entries, a few at most). */
  #takeIceServers(value: unknown): void {
    if (value === undefined) return;
    const servers = Array.isArray(value) ? value.slice(0, 8).filter(isIceServer) : [];
    if (servers.length === 0) return this.#reportBad('bad ice servers');
    // Only the known fields, and none that is undefined (JSON leaves them out).
    this.iceServers = JSON.parse(JSON.stringify(servers, ['urls', 'username', 'credential']));
    this.#fire('iceservers', { iceServers: this.iceServers });
  }

  /** `id` left the room: its sessions get `bye`, and what waited for it goes nowhere. */
  #left(id: string, reason = 'left'): void {
    this.peers.delete(id);
    this.#queue = this.#queue.filter((entry) => entry.to !== id);
    this.#fire('peer-left', { id, reason });
    // A clean leave is "peer-left"; a socket that dropped for good (or missed heartbeats) is a "timeout".
    this.#deliver({ type: 'bye', from: id, reason: reason === 'left' ? 'peer-left' : 'timeout' });
  }

  #reportBad(what: string): void {
    this.#fire('error', { error: new SignalingError(`The signaling server sent ${what}`, { reason: 'malformed' }) });
  }

  #deliver(message: SignalMessage): void {
    if (!this.#unheard) for (const listener of [...this.#listeners]) listener(message);
    else if (this.#unheard.length < 1000) this.#unheard.push(message);
  }

  #canSend(to: string | undefined): boolean {
    return (
      this.#joined &&
      !!this.#socket &&
      this.#socket.readyState === this.#Socket.OPEN &&
      (to === undefined || this.peers.has(to))
    );
  }

  /** Sends what waited, in order, for peers now present; drops (and reports) what waited too long. */
  #flush(): void {
    const timeout = this.#options.queueTimeoutMs ?? 30000;
    const now = Date.now();
    const waiting = this.#queue;
    this.#queue = [];
    let expired = 0;
    for (const entry of waiting) {
      if (this.#canSend(entry.to)) this.#socket?.send(entry.text);
      else if (now - entry.at >= timeout) expired++;
      else this.#queue.push(entry);
    }
    // Wake up when the oldest message left is due (the queue is in time order): it is reported on time.
    clearTimeout(this.#expiryTimer);
    if (this.#queue[0]) this.#expiryTimer = setTimeout(() => this.#flush(), this.#queue[0].at + timeout - now);
    if (expired > 0) {
      this.#fire('error', {
        error: new SignalingError(`${expired} signal messages unsent: peer away ${timeout} ms`, { reason: 'unsent' }),
      });
    }
  }

  send(message: SignalMessage): void {
    if (this.#currentState === 'closed') throw new SignalingError('The signaler is closed', { reason: 'closed' });
    const text = JSON.stringify(message);
    const to = typeof message.to === 'string' ? message.to : undefined;
    // Every change that lets waiting messages go (joined, a peer came) flushes the queue, so what
    // waits is only for peers that are not here: a message that can go now overtakes none of its own.
    if (this.#canSend(to)) {
      this.#socket?.send(text);
      return;
    }
    if (this.#queue.length >= (this.#options.maxQueue ?? 1000)) {
      this.#flush();
      if (this.#queue.length >= (this.#options.maxQueue ?? 1000)) {
        throw new SignalingError('Signal queue full: message refused', { reason: 'queue-full' });
      }
    }
    this.#queue.push({ text, to, at: Date.now() });
    if (this.#queue.length === 1) this.#flush(); // arms the expiry timer
  }

  subscribe(listener: (message: SignalMessage) => void): () => void {
    this.#listeners.add(listener);
    const unheard = this.#unheard;
    this.#unheard = undefined;
    for (const message of unheard ?? []) listener(message);
    return () => this.#listeners.delete(listener);
  }

  #shutdown(code: number, reason: string): void {
    if (this.#currentState === 'closed') return;
    this.#currentState = 'closed';
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#expiryTimer);
    this.#joined = false;
    const queued = this.#queue.length;
    this.#queue = [];
    for (const waiter of this.#openWaiters.splice(0))
      waiter.reject(new SignalingError(`The signaler closed: ${reason}`, { reason: 'closed' }));
    if (queued > 0) {
      this.#fire('error', {
        error: new SignalingError(`${queued} signal messages unsent: the signaler closed (${reason})`, {
          reason: 'unsent',
        }),
      });
    }
    this.#fire('close', { code, reason });
  }

  /** Leaves the room and closes the socket; no reconnect. Idempotent. */
  close(): void {
    if (this.#currentState === 'closed') return;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      try {
        if (socket.readyState === this.#Socket.OPEN) socket.send(JSON.stringify({ type: 'leave' }));
        socket.close(1000, 'closed');
      } catch {
        /* closing anyway */
      }
    }
    this.#shutdown(1000, 'closed by this side');
    this.#listeners.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
