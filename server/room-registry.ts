import { hash, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { ServerMessage } from '../src/types.js';

/** What servers of one cluster tell each other about a room. */
export type RoomEvent =
  /** A peer joined (or resumed its id) on the server that publishes this. */
  | { kind: 'joined'; id: string }
  /** A peer is in the room (re-registered after Redis came back): news only to servers that did not know it. */
  | { kind: 'present'; id: string }
  | { kind: 'left'; id: string; reason: string }
  | { kind: 'relay'; from: string; to?: string; message: ServerMessage };

/** `resumed`: the id was still in the room (its place kept while it was away), and is taken over. */
export type Admission = { ok: true; peers: string[]; resumed: boolean } | { ok: false; reason: 'full' | 'taken' };

/**
 * Who is in which room. Admission is one atomic step (the room limit and the id are checked and
 * taken together), so concurrent joins can never overfill a room or share an id. The local
 * implementation keeps it in memory; the Redis one shares it with a cluster and adds liveness
 * (a dead server's peers are announced gone) and re-registration (after Redis lost its data).
 */
export interface RoomRegistry {
  /** Whether events of other servers exist (a relay for a peer not here may be for one there). */
  readonly shared: boolean;
  /**
   * Takes `id` in `room` if the room has space and the id is free; with `resume` (its holder
   * proved it with the resume token) the id is taken over even if held, without counting twice.
   */
  admit(room: string, id: string, maxRoomSize: number, resume: boolean): Promise<Admission>;
  /** The id left: frees its place and tells the other servers (later, if the cluster is away now). */
  release(room: string, id: string, reason: string): void;
  /** Whether `id` is in `room` on any server. */
  has(room: string, id: string): Promise<boolean>;
  /** Sends an event to the other servers; rejects when the cluster did not take it. */
  publish(room: string, event: RoomEvent): Promise<void>;
  /** Frees this server's places (it is going away) and disconnects. */
  close(members: Array<{ room: string; id: string }>): Promise<void>;
}

/**
 * `items` and `item`, in an array exactly as long: a room keeps its members' array as long as it
 * lives, and `push`, `[...items, item]` and `filter` reserve room for 16 more (about 130 bytes).
 */
export function withItem<T>(items: readonly T[], item: T): readonly T[] {
  return items.concat([item]);
}

/** `items` without `item` (there once), in an array exactly as long: see `withItem`. */
export function withoutItem<T>(items: readonly T[], item: T): readonly T[] {
  const at = items.indexOf(item);
  if (at < 0) return items;
  const left = new Array<T>(items.length - 1);
  for (let i = 0, k = 0; i < items.length; i++) if (i !== at) left[k++] = items[i] as T;
  return left;
}

/**
 * Rooms in this process only. Every step is synchronous, hence atomic. A room's ids are an array
 * (rooms are small): a set per room would cost about as much again as the ids.
 */
export class LocalRegistry implements RoomRegistry {
  readonly shared = false;
  readonly #rooms = new Map<string, readonly string[]>();

  admit(room: string, id: string, maxRoomSize: number, resume: boolean): Promise<Admission> {
    const ids = this.#rooms.get(room) ?? [];
    const resumed = ids.includes(id);
    if (resumed) {
      if (!resume) return Promise.resolve({ ok: false, reason: 'taken' });
    } else {
      if (ids.length >= maxRoomSize) return Promise.resolve({ ok: false, reason: 'full' });
      this.#rooms.set(room, withItem(ids, id));
    }
    return Promise.resolve({ ok: true, peers: ids.filter((p) => p !== id), resumed });
  }

  release(room: string, id: string): void {
    const ids = this.#rooms.get(room);
    const at = ids?.indexOf(id) ?? -1;
    if (!ids || at < 0) return;
    if (ids.length === 1) this.#rooms.delete(room);
    else this.#rooms.set(room, withoutItem(ids, id));
  }

  has(room: string, id: string): Promise<boolean> {
    return Promise.resolve(this.#rooms.get(room)?.includes(id) ?? false);
  }

  publish(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#rooms.clear();
    return Promise.resolve();
  }
}

/**
 * A new peer identity: a secret resume token and the id derived from it (the first 72 bits of its
 * SHA-256). Whoever presents the token owns the id, on any server of a cluster and after a server
 * restart, and nobody else can: the server keeps no secret and no per-id record.
 */
export function newIdentity(): { id: string; resumeToken: string } {
  const resumeToken = randomToken();
  return { id: idOf(resumeToken), resumeToken };
}

/** Random bytes fetched 64 tokens at a time: a join allocates next to nothing. */
const pool = Buffer.alloc(32 * 64);
let poolOffset = pool.length;

function randomToken(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 32;
  return pool.toString('base64url', poolOffset - 32, poolOffset);
}

function idOf(resumeToken: string): string {
  return hash('sha256', resumeToken, 'base64url').slice(0, 12);
}

export function isResumeToken(id: string, resumeToken: string): boolean {
  const expected = Buffer.from(idOf(resumeToken));
  const given = Buffer.from(id);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
