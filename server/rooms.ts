import { turnCredentials, turnRefreshMs, type TurnOptions } from './turn-credentials.js';
import type { ServerCloseCode, ServerErrorCode, ServerMessage, SignalMessage } from '../src/types.js';
import type { Connection } from './connection.js';
import { PROTOCOL_VERSION } from './protocol.js';
import {
  isResumeToken,
  newIdentity,
  withItem,
  withoutItem,
  type Admission,
  type RoomEvent,
  type RoomRegistry,
} from './room-registry.js';

export interface RoomsOptions {
  maxRoomSize: number;
  leaveGraceMs: number;
  /** TURN credentials for each peer in its welcome, and fresh ones in the sweep (`refreshTurn`). */
  turn?: Required<TurnOptions>;
  /** The `verify` hook, already bound to the connection's request; undefined when there is none. */
  verify?: (
    connection: Connection,
    request: { token: string | undefined; room: string; id: string | undefined },
  ) => Promise<boolean>;
}

/** A room's peer with this id (a room is a short array: see `Rooms.local`). */
function peerOf(peers: readonly Connection[], id: string): Connection | undefined {
  return peers.find((peer) => peer.id === id);
}

/**
 * Joins, leaves and relays: the connections of this server by room, over a `RoomRegistry` that
 * decides admission (atomically) and carries events between the servers of a cluster.
 */
export class Rooms {
  /**
   * This server's connections by room (a peer in its grace period keeps its place). A room is an
   * array exactly as long as it, made anew on each join and leave: rooms are small, and a `Map`
   * per room would cost about 300 bytes where the array costs 8 a peer.
   */
  readonly local = new Map<string, readonly Connection[]>();
  /** Peers whose socket dropped, kept for `leaveGraceMs`: only they hold a timer. */
  readonly #graceTimers = new Map<Connection, ReturnType<typeof setTimeout>>();
  /** Cluster: a connection's relays waiting on Redis (later ones wait behind them, in order), while there are some. */
  readonly #relayQueues = new Map<Connection, Promise<void>>();
  /** Cluster only: the peers of each room on other servers that this server's peers were told of. */
  readonly #remote = new Map<string, Set<string>>();
  /** Ids being admitted here ("<room> <id>"). */
  readonly #admitting = new Set<string>();
  /**
   * Cluster: events for a room this server has no peer in yet but is admitting one to, kept until
   * the admission ends: a remote peer's join or first relay can overtake the admission's reply.
   */
  readonly #early = new Map<string, { admissions: number; events: RoomEvent[] }>();
  /** Cluster: remote peers Redis did not list at the last tick ("<room> <id>"). */
  readonly #missing = new Set<string>();
  readonly counters = { relayed: 0, refused: 0 };
  registry!: RoomRegistry;

  readonly #options: RoomsOptions;

  constructor(options: RoomsOptions) {
    this.#options = options;
  }

  /** Sends fresh TURN credentials to a peer whose last ones are at half their lifetime. */
  refreshTurn(connection: Connection, now: number): void {
    const { turn } = this.#options;
    if (!turn || !connection.turnDue || now < connection.turnDue || !connection.id) return;
    connection.turnDue = now + turnRefreshMs(turn);
    connection.send({ type: 'ice-servers', iceServers: [turnCredentials(turn, connection.id)] });
  }

  members(): Array<{ room: string; id: string }> {
    return [...this.local].flatMap(([room, peers]) => peers.map((peer) => ({ room, id: peer.id as string })));
  }

  /** The server closes: no grace periods end later, and no rooms are left. */
  clear(): void {
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    this.local.clear();
  }

  /** A room's peers now (a join or leave replaces the array: one read before a send may be stale after it). */
  #peers(room: string): readonly Connection[] {
    return this.local.get(room) ?? [];
  }

  /** Puts a connection in its room (a new array, exactly as long). */
  #add(room: string, connection: Connection): void {
    const peers = this.#peers(room);
    if (!peers.includes(connection)) this.local.set(room, withItem(peers, connection));
  }

  /** Takes a connection out of its room (the room goes when it is empty); returns the peers left. */
  #remove(room: string, connection: Connection): readonly Connection[] {
    const peers = withoutItem(this.#peers(room), connection);
    if (peers.length) this.local.set(room, peers);
    else this.#dropRoom(room);
    return peers;
  }

  /** `to`: the peer a refused relay was for (`unknown-peer`), so that its sender can tell a crossed leave. */
  reply(connection: Connection, code: ServerErrorCode, message: string, to?: string): void {
    this.counters.refused++;
    connection.send(to === undefined ? { type: 'error', code, message } : { type: 'error', code, message, to });
  }

  /** Refuses a relay for a peer not in the room. */
  #unknownPeer(connection: Connection, room: string, to: string): void {
    this.reply(connection, 'unknown-peer', `No peer ${to} in room "${room}"`, to);
  }

  /** Sends to every peer of a room but `except`; returns how many. */
  #sendToOthers(peers: readonly Connection[], except: string | undefined, message: ServerMessage): number {
    let sent = 0;
    let text: string | undefined;
    for (const peer of peers) {
      if (peer.id === except) continue;
      text ??= JSON.stringify(message);
      peer.sendText(text);
      sent++;
    }
    return sent;
  }

  /** Leaves the room (if in one) and closes; the room hears `peer-left` with `reason`. */
  closeConnection(connection: Connection, code: ServerCloseCode | 1000 | 1001, reason: string): void {
    this.leave(connection, reason);
    connection.close(code, reason);
  }

  /** An event from another server of the cluster (or a dead server's leave found here). */
  onEvent(room: string, event: RoomEvent): void {
    const peers = this.local.get(room);
    if (!peers) {
      this.#early.get(room)?.events.push(event);
      return;
    }
    const remote = this.#remote.get(room) ?? new Set<string>();
    this.#remote.set(room, remote);
    if (event.kind === 'joined' || event.kind === 'present') {
      const here = peerOf(peers, event.id);
      if (here) {
        // The id was resumed on another server: this connection (or its grace period) is over, silently.
        if (event.kind === 'present') return;
        this.#retire(here, room);
      }
      this.#remoteJoined(room, remote, event.id);
    } else if (event.kind === 'left') {
      this.#remoteLeft(room, remote, event.id, event.reason);
    } else if (event.to !== undefined) {
      // A relay proves its sender is in the room, should its join notice have been missed.
      this.#remoteJoined(room, remote, event.from);
      const target = peerOf(this.#peers(room), event.to);
      if (target) {
        this.counters.relayed++;
        target.send(event.message);
      }
    } else {
      this.#remoteJoined(room, remote, event.from);
      this.counters.relayed += this.#sendToOthers(this.#peers(room), event.from, event.message);
    }
  }

  /** Each peer of this server hears of a remote peer once, however many paths the news takes. */
  #remoteJoined(room: string, remote: Set<string>, id: string): void {
    this.#missing.delete(`${room} ${id}`);
    const peers = this.#peers(room);
    if (remote.has(id) || peerOf(peers, id)) return;
    remote.add(id);
    this.#sendToOthers(peers, id, { type: 'peer-joined', id });
  }

  #remoteLeft(room: string, remote: Set<string>, id: string, reason: string): void {
    this.#missing.delete(`${room} ${id}`);
    const peers = this.#peers(room);
    if (!remote.delete(id) || peerOf(peers, id)) return;
    this.#sendToOthers(peers, undefined, { type: 'peer-left', id, reason });
  }

  /**
   * Cluster: what Redis says a room holds, each liveness tick. Catches up with the events lost
   * while a subscriber was away. A remote peer missing from Redis is gone if it has a leave record
   * (its reason is told), else only when it is still missing at the next tick: after Redis came
   * back empty, its server may not have registered it again yet.
   */
  onMembers(room: string, ids: Set<string>, left: Map<string, string>): void {
    if (!this.local.has(room)) return;
    const remote = this.#remote.get(room) ?? new Set<string>();
    this.#remote.set(room, remote);
    for (const id of ids)
      if (!peerOf(this.#peers(room), id) && !this.#admitting.has(`${room} ${id}`)) this.#remoteJoined(room, remote, id);
    for (const id of [...remote]) {
      if (ids.has(id)) continue;
      const key = `${room} ${id}`;
      const reason = left.get(id);
      if (reason !== undefined || this.#missing.has(key)) this.#remoteLeft(room, remote, id, reason ?? 'timeout');
      else this.#missing.add(key);
    }
  }

  /** Drops a connection whose id another connection resumed: no `peer-left`, its place is the newcomer's. */
  #retire(previous: Connection, room: string): void {
    clearTimeout(this.#graceTimers.get(previous));
    this.#graceTimers.delete(previous);
    previous.room = undefined;
    previous.id = undefined;
    if (this.local.get(room)?.includes(previous)) this.#remove(room, previous);
    previous.close(4011, 'replaced: the id was resumed by another connection');
  }

  #dropRoom(room: string): void {
    this.local.delete(room);
    for (const id of this.#remote.get(room) ?? []) this.#missing.delete(`${room} ${id}`);
    this.#remote.delete(room);
  }

  leave(connection: Connection, reason: string): void {
    const { room, id } = connection;
    if (!room || !id) return;
    connection.room = undefined;
    if (!this.local.get(room)?.includes(connection)) return;
    const peers = this.#remove(room, connection);
    this.#sendToOthers(peers, undefined, { type: 'peer-left', id, reason });
    this.registry.release(room, id, reason);
    if (connection.open) connection.armJoinTimer();
  }

  /** The socket dropped: a peer in a room keeps its place for `leaveGraceMs` unless it left cleanly. */
  dropped(connection: Connection, code: number): void {
    connection.release();
    const clean = code === 1000 || code === 1001;
    if (clean || !connection.room || this.#options.leaveGraceMs <= 0) {
      this.leave(connection, clean ? 'left' : 'closed');
      return;
    }
    const timer = setTimeout(() => {
      this.#graceTimers.delete(connection);
      this.leave(connection, 'closed');
    }, this.#options.leaveGraceMs);
    timer.unref?.();
    this.#graceTimers.set(connection, timer);
  }

  async join(
    connection: Connection,
    room: string,
    requestedId: string | undefined,
    token: string | undefined,
    presented: string | undefined,
  ): Promise<void> {
    if (connection.room || connection.joining)
      return this.reply(connection, 'already-joined', 'This connection has joined a room already');
    connection.joining = true;
    let held: string | undefined;
    try {
      if (this.#options.verify) {
        if (!(await this.#options.verify(connection, { token, room, id: requestedId }))) {
          this.reply(connection, 'unauthorized', 'The token was refused');
          return this.closeConnection(connection, 4001, 'unauthorized');
        }
      }
      if (!connection.open) return;
      const { maxRoomSize } = this.#options;
      // An id is granted only with the resume token its welcome gave (held, in its grace period or
      // gone: the token proves it is the same peer); without it the joiner gets a new id.
      const resume = requestedId !== undefined && presented !== undefined && isResumeToken(requestedId, presented);
      this.#holdEvents((held = room));
      let identity = resume ? { id: requestedId as string, resumeToken: presented as string } : newIdentity();
      let admission = await this.#admit(room, identity.id, resume);
      if (!admission.ok && admission.reason === 'taken')
        admission = await this.#admit(room, (identity = newIdentity()).id, false);
      const id = identity.id;
      if (!admission.ok) {
        this.reply(connection, 'room-full', `Room "${room}" is full (${maxRoomSize} peers)`);
        return this.closeConnection(connection, 4003, 'room full');
      }
      const previous = peerOf(this.local.get(room) ?? [], id);
      if (previous && previous !== connection) this.#retire(previous, room);
      connection.id = id;
      connection.room = room;
      this.#add(room, connection);
      const peers = this.local.get(room) ?? [];
      if (!connection.open) {
        this.leave(connection, 'closed');
        return;
      }
      connection.joined();
      const remote = new Set(admission.peers.filter((p) => !peerOf(peers, p)));
      if (this.registry.shared) this.#remote.set(room, remote);
      const welcome: ServerMessage = {
        type: 'welcome',
        id,
        room,
        peers: admission.peers,
        resumeToken: identity.resumeToken,
        protocol: PROTOCOL_VERSION,
        // The client's list of peers is from before it went: whoever is not in `peers` now left meanwhile.
        ...(admission.resumed ? { resumed: true } : {}),
      };
      const { turn } = this.#options;
      if (turn) {
        welcome.iceServers = [turnCredentials(turn, id)];
        connection.turnDue = performance.now() + turnRefreshMs(turn);
      }
      connection.send(welcome);
      this.#sendToOthers(peers, id, { type: 'peer-joined', id });
      // With Redis away this notice is lost, but the joiner's first hello is not: its relay fails loudly.
      this.registry.publish(room, { kind: 'joined', id }).catch(() => {});
    } finally {
      connection.joining = false;
      if (held !== undefined) this.#releaseEvents(held);
    }
  }

  /** While Redis holds an id that is not in `local` yet, a reconcile must not take it for a remote peer. */
  async #admit(room: string, id: string, resume: boolean): Promise<Admission> {
    const key = `${room} ${id}`;
    this.#admitting.add(key);
    try {
      return await this.registry.admit(room, id, this.#options.maxRoomSize, resume);
    } finally {
      this.#admitting.delete(key);
    }
  }

  /** Starts keeping a room's events while a peer is admitted to it here (cluster only). */
  #holdEvents(room: string): void {
    if (!this.registry.shared) return;
    const early = this.#early.get(room) ?? { admissions: 0, events: [] };
    early.admissions++;
    this.#early.set(room, early);
  }

  /** The admission ended: the events kept meanwhile are handled now (they are no-ops for what the welcome told). */
  #releaseEvents(room: string): void {
    const early = this.#early.get(room);
    if (!early || --early.admissions > 0) return;
    this.#early.delete(room);
    for (const event of early.events) this.onEvent(room, event);
  }

  relay(connection: Connection, message: SignalMessage): void {
    if (!connection.room || !connection.id)
      return this.reply(connection, 'not-joined', 'Join a room before sending signal messages');
    const routed = { ...message, from: connection.id } as SignalMessage;
    // Behind a relay that waits on Redis, the next ones of this connection wait too: order is kept.
    if (this.#relayQueues.has(connection)) this.#queue(connection, () => this.#route(connection, message, routed));
    else {
      const waiting = this.#route(connection, message, routed);
      if (waiting) this.#queue(connection, () => waiting);
    }
  }

  /** Delivers here, publishes to the cluster, or (an id this server does not know) asks Redis first. */
  #route(connection: Connection, message: SignalMessage, routed: SignalMessage): Promise<void> | void {
    const room = connection.room;
    const from = connection.id;
    if (!room || !from) return; // left while it waited
    const peers = this.local.get(room);
    if (!peers) return;
    if (message.to !== undefined) {
      // Only peers of the sender's room can be reached.
      const to = message.to;
      const target = peerOf(peers, to);
      if (target) {
        this.counters.relayed++;
        return target.send(routed);
      }
      if (!this.registry.shared) return this.#unknownPeer(connection, room, to);
      const publish = () =>
        this.registry
          .publish(room, { kind: 'relay', from, to, message: routed })
          .catch(() => this.#unrelayed(connection, message));
      // A peer this server knows is on another one (from the cluster's join and leave events and
      // the reconcile pass): published at once, no round trip to Redis first.
      if (this.#remote.get(room)?.has(to)) return void publish();
      // Not known here: Redis may know of a join whose notice is still on its way.
      return this.registry.has(room, to).then(
        (present) => (present ? void publish() : this.#unknownPeer(connection, room, to)),
        () => this.#unrelayed(connection, message),
      );
    }
    this.counters.relayed += this.#sendToOthers(peers, from, routed);
    if (!this.registry.shared) return;
    // Lost only if some peer of the room is on another server: then its sender hears of it.
    this.registry.publish(room, { kind: 'relay', from, message: routed }).catch(() => {
      if (this.#remote.get(room)?.size) this.#unrelayed(connection, message);
    });
  }

  /** Runs `step` after the connection's relays that wait on Redis (a step's promise holds the ones after it). */
  #queue(connection: Connection, step: () => Promise<void> | void): void {
    const next = (this.#relayQueues.get(connection) ?? Promise.resolve()).then(step).catch(() => {});
    this.#relayQueues.set(connection, next);
    void next.then(() => {
      if (this.#relayQueues.get(connection) === next) this.#relayQueues.delete(connection);
    });
  }

  /** The cluster (Redis) did not take a relay: its sender hears of it instead of it vanishing. */
  #unrelayed(connection: Connection, message: SignalMessage): void {
    this.reply(
      connection,
      'cluster-unavailable',
      `A ${message.type} message could not reach the peers on other servers: the cluster (Redis) is unavailable`,
    );
  }
}
