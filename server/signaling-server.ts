import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerCloseCode, ServerErrorCode, ServerMessage, SignalMessage } from '../src/types.js';
import { parseClientMessage, PROTOCOL_VERSION } from './protocol.js';
import { TokenBucket } from './rate-limiter.js';
import { RedisBus, type BusEvent } from './redis-bus.js';

export interface VerifyRequest {
  token: string | undefined;
  room: string;
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
  /** Ping interval; a socket that missed one pong is dropped (default 15,000 ms). */
  heartbeatMs?: number;
  /** A reader that lets this much pile up unsent is dropped (default 8 MiB). */
  maxBufferedBytes?: number;
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
}

export interface SignalingServerStats {
  clients: number;
  rooms: number;
  relayed: number;
  refused: number;
}

export interface SignalingServer {
  readonly port: number;
  /** `ws://host:port` (plus `path`). */
  readonly url: string;
  stats(): SignalingServerStats;
  close(): Promise<void>;
}

interface Client {
  socket: WebSocket;
  request: IncomingMessage;
  id?: string;
  room?: string;
  joining: boolean;
  bucket: TokenBucket;
  refusedInARow: number;
  alive: boolean;
  /** Set when the socket dropped and the peer is kept for `leaveGraceMs`. */
  graceTimer?: ReturnType<typeof setTimeout>;
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

function newId(): string {
  return randomBytes(9).toString('base64url');
}

/** Starts the reference signaling server. It binds to 127.0.0.1 unless told otherwise. */
export async function startSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const maxRoomSize = limit('maxRoomSize', options.maxRoomSize, 16);
  const maxMessageBytes = limit('maxMessageBytes', options.maxMessageBytes, 256 * 1024);
  const rate = {
    perSecond: limit('rateLimit.perSecond', options.rateLimit?.perSecond, 50),
    burst: limit('rateLimit.burst', options.rateLimit?.burst, 200),
  };
  const floodCloseAfter = limit('floodCloseAfter', options.floodCloseAfter, 200);
  const heartbeatMs = limit('heartbeatMs', options.heartbeatMs, 15000);
  const maxBufferedBytes = limit('maxBufferedBytes', options.maxBufferedBytes, 8 * 1024 * 1024);
  const maxClients = limit('maxClients', options.maxClients, 20000);
  const leaveGraceMs = limit('leaveGraceMs', options.leaveGraceMs, 5000, 0);
  const rooms = new Map<string, Map<string, Client>>();
  /** Cluster only: the peers of each room that are on other servers (from joins and bus events). */
  const remotePeers = new Map<string, Set<string>>();
  const clients = new Set<Client>();
  const counters = { relayed: 0, refused: 0 };

  /** Delivers an event from another server of the cluster to this server's clients. */
  function onBusEvent(room: string, event: BusEvent): void {
    const peers = rooms.get(room);
    if (!peers) return;
    const remote = remotePeers.get(room);
    if (event.kind === 'joined') {
      remote?.add(event.id);
      sendToOthers(peers, event.id, { type: 'peer-joined', id: event.id });
    } else if (event.kind === 'left') {
      remote?.delete(event.id);
      sendToOthers(peers, undefined, { type: 'peer-left', id: event.id, reason: event.reason });
    }
    else if (event.to !== undefined) { const target = peers.get(event.to); if (target) { counters.relayed++; send(target, event.message); } }
    else counters.relayed += sendToOthers(peers, event.from, event.message);
  }
  const bus = options.redisUrl ? await RedisBus.connect(options.redisUrl, onBusEvent) : null;

  const http = options.server ?? createServer((request, response) => {
    if (options.onRequest) options.onRequest(request, response);
    else response.writeHead(426, { 'content-type': 'text/plain' }).end('This is a WebSocket signaling server');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false });

  const onUpgrade = (request: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (options.path && path !== options.path) return refuse(404, 'Not Found');
    const origin = request.headers.origin;
    if (options.allowedOrigins && (!origin || !options.allowedOrigins.includes(origin))) return refuse(403, 'Forbidden');
    if (clients.size >= maxClients) return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  };
  http.on('upgrade', onUpgrade);

  function send(client: Client, message: ServerMessage): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      // A reader this far behind would hold the server's memory hostage: drop it.
      closeClient(client, 4009, 'slow reader: too much unsent data');
      return;
    }
    socket.send(JSON.stringify(message));
  }

  /** Sends to every peer of a room but `except` (the sender, or the one who joined); returns how many. */
  function sendToOthers(peers: Map<string, Client>, except: string | undefined, message: ServerMessage): number {
    let sent = 0;
    for (const [id, peer] of peers) {
      if (id === except) continue;
      send(peer, message);
      sent++;
    }
    return sent;
  }

  function reply(client: Client, code: ServerErrorCode, message: string): void {
    counters.refused++;
    send(client, { type: 'error', code, message });
  }

  function closeClient(client: Client, code: ServerCloseCode, reason: string): void {
    leave(client, reason);
    try {
      client.socket.close(code, reason.slice(0, 120));
    } catch {
      client.socket.terminate();
    }
  }

  function leave(client: Client, reason: string): void {
    const { room, id } = client;
    if (!room || !id) return;
    client.room = undefined;
    const peers = rooms.get(room);
    if (!peers || peers.get(id) !== client) return;
    peers.delete(id);
    if (peers.size === 0) {
      rooms.delete(room);
      remotePeers.delete(room);
    }
    sendToOthers(peers, undefined, { type: 'peer-left', id, reason });
    if (bus) {
      // With Redis away the other servers' peers miss this notice; their ICE notices the loss.
      bus.publish(room, { kind: 'left', id, reason }).catch(() => {});
      void bus.leave(room, id).catch(() => {});
    }
  }

  async function join(client: Client, room: string, requestedId: string | undefined, token: string | undefined): Promise<void> {
    if (client.room || client.joining) return reply(client, 'already-joined', 'This connection has joined a room already');
    client.joining = true;
    try {
      if (options.verify) {
        let ok = false;
        try {
          ok = await options.verify({ token, room, origin: client.request.headers.origin, request: client.request });
        } catch {
          ok = false;
        }
        if (!ok) {
          reply(client, 'unauthorized', 'The token was refused');
          return closeClient(client, 4001, 'unauthorized');
        }
      }
      if (client.socket.readyState !== client.socket.OPEN) return;
      const peers = rooms.get(room) ?? new Map<string, Client>();
      if (peers.size >= maxRoomSize) {
        reply(client, 'room-full', `Room "${room}" is full (${maxRoomSize} peers)`);
        return closeClient(client, 4003, 'room full');
      }
      // A reconnecting client may keep its id (also the one it held a moment ago, still in its
      // grace period), so that its peers' sessions go on.
      const previous = requestedId ? peers.get(requestedId) : undefined;
      if (previous?.graceTimer) {
        clearTimeout(previous.graceTimer);
        previous.graceTimer = undefined;
        previous.room = undefined;
        peers.delete(requestedId as string);
        if (bus) await bus.leave(room, requestedId as string); // its own old claim
      }
      let id = requestedId && !peers.has(requestedId) ? requestedId : newId();
      let others = [...peers.keys()];
      if (bus) {
        // The cluster decides: room size and ids are shared by every server.
        let claim = await bus.join(room, id, maxRoomSize);
        if (claim.taken) claim = await bus.join(room, (id = newId()), maxRoomSize);
        if (!claim.ok) {
          reply(client, 'room-full', `Room "${room}" is full (${maxRoomSize} peers)`);
          return closeClient(client, 4003, 'room full');
        }
        others = claim.peers;
        if (client.socket.readyState !== client.socket.OPEN) { void bus.leave(room, id); return; }
        remotePeers.set(room, new Set(others.filter((p) => p !== id && !peers.has(p))));
      }
      client.id = id;
      client.room = room;
      peers.set(id, client);
      rooms.set(room, peers);
      send(client, { type: 'welcome', id, room, peers: others.filter((p) => p !== id), protocol: PROTOCOL_VERSION });
      sendToOthers(peers, id, { type: 'peer-joined', id });
      // With Redis away this notice is lost, but the joiner's first hello is not: its relay fails loudly.
      bus?.publish(room, { kind: 'joined', id }).catch(() => {});
    } finally {
      client.joining = false;
    }
  }

  function relay(client: Client, message: SignalMessage): void {
    if (!client.room || !client.id) return reply(client, 'not-joined', 'Join a room before sending signal messages');
    const peers = rooms.get(client.room);
    if (!peers) return;
    const routed = { ...message, from: client.id } as SignalMessage;
    const room = client.room;
    const from = client.id;
    if (message.to !== undefined) {
      // Only peers of the sender's room can be reached.
      const to = message.to;
      const target = peers.get(to);
      if (target) {
        counters.relayed++;
        return send(target, routed);
      }
      if (!bus) return reply(client, 'unknown-peer', `No peer ${to} in room "${room}"`);
      // Maybe on another server of the cluster.
      void bus.has(room, to).then(
        (present) => present
          ? bus.publish(room, { kind: 'relay', from, to, message: routed }).catch(() => unrelayed(client, message))
          : reply(client, 'unknown-peer', `No peer ${to} in room "${room}"`),
        () => unrelayed(client, message),
      );
      return;
    }
    counters.relayed += sendToOthers(peers, from, routed);
    // Lost only if some peer of the room is on another server: then its sender hears of it.
    bus?.publish(room, { kind: 'relay', from, message: routed }).catch(() => { if (remotePeers.get(room)?.size) unrelayed(client, message); });
  }

  /** The cluster (Redis) did not take a relay: its sender hears of it instead of it vanishing. */
  function unrelayed(client: Client, message: SignalMessage): void {
    reply(client, 'cluster-unavailable', `A ${message.type} message could not reach the peers on other servers: the cluster (Redis) is unavailable`);
  }

  function onMessage(client: Client, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!client.bucket.take()) {
      client.refusedInARow++;
      if (client.refusedInARow >= floodCloseAfter) return closeClient(client, 4008, 'rate limit exceeded');
      // One reply per ten refusals: a flood does not get a flood back.
      if (client.refusedInARow % 10 === 1) reply(client, 'rate-limited', `More than ${rate.perSecond} messages a second: messages are being refused`);
      else counters.refused++;
      return;
    }
    client.refusedInARow = 0;
    if (isBinary) return reply(client, 'bad-message', 'Binary frames are not accepted: send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return reply(client, parsed.code, parsed.message);
    const message = parsed.message;
    if (message.type === 'join') {
      void join(client, message.room, message.id, message.token).catch(() => closeClient(client, 1001, 'server error'));
    } else if (message.type === 'leave') {
      leave(client, 'left');
    } else {
      relay(client, message);
    }
  }

  function accept(socket: WebSocket, request: IncomingMessage): void {
    const client: Client = {
      socket,
      request,
      joining: false,
      bucket: new TokenBucket(rate.perSecond, rate.burst),
      refusedInARow: 0,
      alive: true,
    };
    clients.add(client);
    socket.on('message', (data, isBinary) => {
      try {
        onMessage(client, data, isBinary);
      } catch {
        closeClient(client, 1001, 'server error');
      }
    });
    socket.on('pong', () => { client.alive = true; });
    socket.on('error', () => { /* a broken socket ends in 'close' */ });
    socket.on('close', (code) => {
      clients.delete(client);
      if (code === 1000 || code === 1001 || !client.room || leaveGraceMs <= 0) {
        leave(client, code === 1000 || code === 1001 ? 'left' : 'closed');
        return;
      }
      client.graceTimer = setTimeout(() => {
        client.graceTimer = undefined;
        leave(client, 'closed');
      }, leaveGraceMs);
      client.graceTimer.unref?.();
    });
  }

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        leave(client, 'timeout');
        clients.delete(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      try { client.socket.ping(); } catch { /* closing already */ }
    }
  }, heartbeatMs);
  heartbeat.unref();

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
    stats: () => ({ clients: clients.size, rooms: rooms.size, ...counters }),
    close: async () => {
      clearInterval(heartbeat);
      http.off('upgrade', onUpgrade);
      // No peer-left notices: the peers' calls go on, and their signalers reconnect.
      const members = [...rooms].flatMap(([room, peers]) => [...peers.keys()].map((id) => ({ room, id })));
      for (const client of clients) {
        client.room = undefined;
        client.socket.terminate();
      }
      clients.clear();
      for (const peers of rooms.values()) for (const client of peers.values()) clearTimeout(client.graceTimer);
      rooms.clear();
      await bus?.close(members);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (!options.server) {
        http.closeAllConnections?.();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      }
    },
  };
}
