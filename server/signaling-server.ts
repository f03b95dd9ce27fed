import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ServerCloseCode } from '../src/types.js';
import { Connection, ConnectionShared, type ConnectionLimits } from './connection.js';
import { UpgradeFront } from './http-front.js';
import { parseClientMessage } from './protocol.js';
import { RedisRegistry } from './redis-registry.js';
import { LocalRegistry } from './room-registry.js';
import { Rooms } from './rooms.js';
import { checkTurnOptions, type TurnOptions } from './turn-credentials.js';

export interface VerifyRequest {
  token: string | undefined;
  room: string;
  /** The id the join asks for (a resumed one needs its resume token besides). */
  id: string | undefined;
  origin: string | undefined;
  request: IncomingMessage;
}

export interface SignalingServerOptions {
  /** Port to listen on (default 8787; 0 picks a free one). Ignored with `server`. */
  port?: number;
  /** Address to bind (default 127.0.0.1: only this machine). */
  host?: string;
  /** Attach to an existing HTTP server instead of making one. */
  server?: Server;
  /** Only WebSocket upgrades on this path are accepted (default: any path). */
  path?: string;
  /** Plain HTTP requests (static files, say) on the server this function makes. */
  onRequest?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Peers per room (default 16). */
  maxRoomSize?: number;
  /** Largest message accepted, in bytes (default 256 KiB); larger ones close the socket with 1009. */
  maxMessageBytes?: number;
  /** Messages a connection may send: `perSecond` on average, bursts of `burst` (default 50 and 200). */
  rateLimit?: { perSecond: number; burst: number };
  /** Refused messages in a row before the connection is closed (default 200). */
  floodCloseAfter?: number;
  /** Ping interval; a socket that did not answer the last ping is closed with 4010 (default 15,000 ms). */
  heartbeatMs?: number;
  /** A reader that lets this much pile up unsent is closed with 4009 (default 8 MiB). */
  maxBufferedBytes?: number;
  /**
   * Unsent bytes of all connections together (default 256 MiB). Past it, a reader holding more than
   * 64 KiB unsent gets nothing more: it is closed with 4009 at once (or within a second if nothing
   * is sent to it).
   */
  maxUnsentBytes?: number;
  /**
   * A connection that is in no room this long (after connecting, or after a leave) is closed with
   * 4012, within a second more (default 10,000 ms).
   */
  joinTimeoutMs?: number;
  /** Connections at once from one IP address (default 256); more get HTTP 429 at the upgrade. */
  maxClientsPerAddress?: number;
  /** Browser origins allowed to connect (default: any). Other origins get 403 at the upgrade. */
  allowedOrigins?: string[];
  /** Checks a join's token before the peer enters a room; false (or a throw) refuses it. */
  verify?: (request: VerifyRequest) => boolean | Promise<boolean>;
  /** Connections at once (default 20,000). */
  maxClients?: number;
  /**
   * How long a peer whose socket dropped (not a clean close) keeps its place, so that it can
   * reconnect with its id before its room hears it left (default 5,000 ms).
   */
  leaveGraceMs?: number;
  /**
   * A Redis URL (`redis://127.0.0.1:6379`): rooms are shared with every server on the same Redis,
   * so clients of one room may connect to different servers. Without it, rooms live in memory.
   */
  redisUrl?: string;
  /**
   * Cluster only: a server that stops refreshing its liveness key in Redis is taken for dead
   * within this time; another server then announces `peer-left` (reason `timeout`) for its peers
   * and frees their places (default 30,000 ms).
   */
  instanceTimeoutMs?: number;
  /**
   * A TURN server with a shared secret (coturn `use-auth-secret`): each peer gets time-limited
   * credentials in its welcome, and fresh ones (`ice-servers`) at half their lifetime.
   */
  turn?: TurnOptions;
}

export interface SignalingServerStats {
  clients: number;
  rooms: number;
  relayed: number;
  refused: number;
  /** Bytes handed to sockets and not yet written to the network. */
  unsentBytes: number;
}

export interface SignalingServer {
  readonly port: number;
  /** `ws://host:port` (plus `path`). */
  readonly url: string;
  stats(): SignalingServerStats;
  close(): Promise<void>;
}

/** Answers to a client's pings it may leave unsent before it is cut off (as `ws`'s `maxPendingAutoPongs`). */
const MAX_PENDING_PONGS = 60;

/** A server-side socket that knows its connection, so that all sockets share one set of listeners. */
class ServerSocket extends WebSocket {
  connection: Connection | undefined = undefined;
  /** Answers to this client's pings not yet written out. */
  #pendingPongs = 0;
  /** Counts an answer written out; made at the client's first ping (browsers never send one). */
  #pongWritten: (() => void) | undefined = undefined;

  /**
   * A pong goes straight to the connection rather than through a listener: three event names fit
   * in a socket's first listener table, a fourth (`pong`) makes it about 100 bytes larger.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'pong') {
      this.connection?.pong(args[0] as Buffer);
      return true;
    }
    if (event === 'ping') this.#answerPing(args[0] as Buffer);
    return super.emit(event, ...args);
  }

  /**
   * Answers a client's ping as `ws`'s `autoPong` does. Done here because `ws`'s makes a closure
   * for every socket (about 100 bytes a client) whether or not its client ever pings.
   */
  #answerPing(data: Buffer): void {
    if (this.readyState !== WebSocket.OPEN) return;
    if (this.#pendingPongs >= MAX_PENDING_PONGS) return this.terminate();
    this.#pendingPongs++;
    this.#pongWritten ??= () => {
      this.#pendingPongs--;
    };
    this.pong(data, false, this.#pongWritten);
  }
}

function ignoreError(): void {
  /* a broken socket ends in 'close' */
}

/**
 * A numeric option, checked: a limit that is NaN (a typo on the command line) would compare false
 * with everything and so lift the limit without a word.
 */
function limit(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a number of at least ${min}, not ${String(value)}`);
  }
  return value;
}

/**
 * Starts the reference signaling server. It binds to 127.0.0.1 unless told otherwise. Three parts:
 * the upgrade front (`UpgradeFront`: targets, origins, connection limits), one `Connection` per
 * socket (rate, backpressure, heartbeat, join timeout) and `Rooms` over a `RoomRegistry` (local or
 * Redis: atomic admission, liveness, re-registration).
 */
export async function startSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const maxRoomSize = limit('maxRoomSize', options.maxRoomSize, 16);
  const maxMessageBytes = limit('maxMessageBytes', options.maxMessageBytes, 256 * 1024);
  const limits: ConnectionLimits = {
    rate: {
      perSecond: limit('rateLimit.perSecond', options.rateLimit?.perSecond, 50),
      burst: limit('rateLimit.burst', options.rateLimit?.burst, 200),
    },
    floodCloseAfter: limit('floodCloseAfter', options.floodCloseAfter, 200),
    maxBufferedBytes: limit('maxBufferedBytes', options.maxBufferedBytes, 8 * 1024 * 1024),
    maxUnsentBytes: limit('maxUnsentBytes', options.maxUnsentBytes, 256 * 1024 * 1024),
    joinTimeoutMs: limit('joinTimeoutMs', options.joinTimeoutMs, 10000),
  };
  const heartbeatMs = limit('heartbeatMs', options.heartbeatMs, 15000);
  const front = new UpgradeFront({
    path: options.path,
    allowedOrigins: options.allowedOrigins,
    maxClients: limit('maxClients', options.maxClients, 20000),
    maxClientsPerAddress: limit('maxClientsPerAddress', options.maxClientsPerAddress, 256),
  });
  const instanceTimeoutMs = limit('instanceTimeoutMs', options.instanceTimeoutMs, 30000, 100);
  const verify = options.verify;
  /** With a `verify` hook, each connection's upgrade request (headers and more: about a kilobyte a client). */
  const requests = verify && new WeakMap<Connection, IncomingMessage>();
  const rooms = new Rooms({
    maxRoomSize,
    turn: options.turn ? checkTurnOptions(options.turn) : undefined,
    leaveGraceMs: limit('leaveGraceMs', options.leaveGraceMs, 5000, 0),
    verify:
      verify &&
      (async (connection, { token, room, id }) => {
        try {
          return (
            (await verify({
              token,
              room,
              id,
              origin: requests?.get(connection)?.headers.origin,
              request: requests?.get(connection) as IncomingMessage,
            })) === true
          );
        } catch {
          return false;
        }
      }),
  });
  rooms.registry = options.redisUrl
    ? await RedisRegistry.connect({
        url: options.redisUrl,
        instanceTimeoutMs,
        onEvent: (room, event) => rooms.onEvent(room, event),
        members: () => rooms.members(),
        onMembers: (room, ids, left) => rooms.onMembers(room, ids, left),
        rooms: () => rooms.local.keys(),
      })
    : new LocalRegistry();
  const connections = new Set<Connection>();

  const http =
    options.server ??
    createServer((request, response) => {
      if (options.onRequest) options.onRequest(request, response);
      else response.writeHead(426, { 'content-type': 'text/plain' }).end('This is a WebSocket signaling server');
    });
  // No client tracking: `connections` tracks them (ws's own set adds a listener per socket).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // ServerSocket answers pings (ws's own answer costs a closure per socket).
    autoPong: false,
    WebSocket: ServerSocket,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    front.handle(request, socket, () =>
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws as ServerSocket, request)),
    );
  };
  http.on('upgrade', onUpgrade);

  const shared = new ConnectionShared(limits, (connection: Connection, code: ServerCloseCode, reason: string) =>
    rooms.closeConnection(connection, code, reason),
  );

  function onMessage(connection: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!connection.takeToken()) {
      connection.refusedInARow++;
      if (connection.refusedInARow >= limits.floodCloseAfter)
        return rooms.closeConnection(connection, 4008, 'rate limit exceeded');
      // One reply per ten refusals: a flood does not get a flood back.
      if (connection.refusedInARow % 10 === 1)
        rooms.reply(
          connection,
          'rate-limited',
          `More than ${limits.rate.perSecond} messages a second: messages are being refused`,
        );
      else rooms.counters.refused++;
      return;
    }
    connection.refusedInARow = 0;
    if (isBinary) return rooms.reply(connection, 'bad-message', 'Binary frames are not accepted: send JSON text');
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return rooms.reply(connection, parsed.code, parsed.message);
    const message = parsed.message;
    if (message.type === 'join') {
      void rooms
        .join(connection, message.room, message.id, message.token, message.resumeToken)
        .catch(() => rooms.closeConnection(connection, 1001, 'server error'));
    } else if (message.type === 'leave') {
      rooms.leave(connection, 'left');
    } else {
      rooms.relay(connection, message);
    }
  }

  // One listener of each kind for every socket (`this` is the socket): no closures per client.
  function onSocketMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const connection = (this as ServerSocket).connection as Connection;
    try {
      onMessage(connection, data, isBinary);
    } catch {
      rooms.closeConnection(connection, 1001, 'server error');
    }
  }
  function onSocketClose(this: WebSocket, code: number): void {
    const connection = (this as ServerSocket).connection as Connection;
    front.closed(connection.address);
    connections.delete(connection);
    rooms.dropped(connection, code);
  }

  function accept(socket: ServerSocket, request: IncomingMessage): void {
    const connection = new Connection(socket, front.opened(request), shared);
    requests?.set(connection, request);
    socket.connection = connection;
    connections.add(connection);
    socket.on('message', onSocketMessage);
    socket.on('error', ignoreError);
    socket.on('close', onSocketClose);
  }

  const heartbeat = setInterval(() => {
    shared.nextPing();
    for (const connection of connections) {
      if (!connection.heartbeat()) rooms.closeConnection(connection, 4010, 'timeout');
    }
  }, heartbeatMs);
  heartbeat.unref();
  // About once a second: connections that did not join in time go (4012), and so do readers over
  // their limit that nobody sends to any more (4009); the unsent budget is re-counted meanwhile.
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const connection of connections) {
        connection.sweep(now);
        rooms.refreshTurn(connection, now);
      }
    },
    Math.min(1000, heartbeatMs, Math.max(50, limits.joinTimeoutMs / 2)),
  );
  sweep.unref();

  if (!options.server) {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  }
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    port: address.port,
    url: `ws://${host}:${address.port}${options.path ?? ''}`,
    stats: () => ({
      clients: connections.size,
      rooms: rooms.local.size,
      ...rooms.counters,
      unsentBytes: shared.unsent,
    }),
    close: async () => {
      clearInterval(heartbeat);
      clearInterval(sweep);
      http.off('upgrade', onUpgrade);
      // No peer-left notices: the peers' calls go on, and their signalers reconnect.
      const members = rooms.members();
      for (const connection of connections) {
        connection.room = undefined;
        connection.release();
        connection.socket.terminate();
      }
      connections.clear();
      rooms.clear();
      await rooms.registry.close(members);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (!options.server) {
        http.closeAllConnections?.();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      }
    },
  };
}
