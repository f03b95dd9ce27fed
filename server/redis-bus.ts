import { randomBytes } from 'node:crypto';
import type { ServerMessage } from '../src/types.js';

/** What servers of one cluster tell each other about a room. */
export type BusEvent =
  | { kind: 'joined'; id: string }
  | { kind: 'left'; id: string; reason: string }
  | { kind: 'relay'; from: string; to?: string; message: ServerMessage };

/**
 * Room membership and events shared by several signaling servers over Redis: a hash per room
 * (peer id → server id) and a pub/sub channel per room. Every server delivers an event to its
 * own clients; events a server published come back to it and are skipped, so each relay
 * arrives once.
 */
export class RedisBus {
  readonly serverId = randomBytes(6).toString('hex');
  private constructor(
    private readonly pub: RedisLike,
    private readonly sub: RedisLike,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, onEvent: (room: string, event: BusEvent) => void, prefix = 'rtc-elements'): Promise<RedisBus> {
    // Imported only when a Redis URL is given: without it the server needs no Redis at all.
    const { createClient } = await import('redis').catch((error: unknown) => {
      // redis is an optional peer dependency: say what to install instead of Node's "Cannot find package".
      const { code, message } = error as { code?: string; message?: string };
      if (code !== 'ERR_MODULE_NOT_FOUND' || !message?.includes("'redis'")) throw error;
      throw new Error('a Redis URL was given, but the "redis" package (an optional peer dependency of rtc-elements) is not installed: run `npm install redis`');
    });
    // No offline queue: while Redis is away a join fails at once (its socket is closed with 1001)
    // instead of waiting without end.
    const pub = createClient({ url, disableOfflineQueue: true }) as unknown as RedisLike;
    const sub = createClient({ url, disableOfflineQueue: true }) as unknown as RedisLike;
    pub.on('error', () => { /* reconnects by itself; commands fail meanwhile */ });
    sub.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    const bus = new RedisBus(pub, sub, prefix);
    await sub.pSubscribe(`${prefix}:events:*`, (text: string, channel: string) => {
      try {
        const { origin, event } = JSON.parse(text) as { origin: string; event: BusEvent };
        if (origin === bus.serverId) return;
        onEvent(channel.slice(`${prefix}:events:`.length), event);
      } catch { /* not ours */ }
    });
    return bus;
  }

  private key(room: string): string {
    return `${this.prefix}:room:${room}`;
  }

  /** Claims `id` in `room` if the room has space and the id is free; returns the other members. */
  async join(room: string, id: string, maxRoomSize: number): Promise<{ ok: boolean; taken: boolean; peers: string[] }> {
    const size = await this.pub.hLen(this.key(room));
    if (size >= maxRoomSize) return { ok: false, taken: false, peers: [] };
    const claimed = await this.pub.hSetNX(this.key(room), id, this.serverId);
    if (!claimed) return { ok: false, taken: true, peers: [] };
    const peers = (await this.pub.hKeys(this.key(room))).filter((p: string) => p !== id);
    return { ok: true, taken: false, peers };
  }

  async leave(room: string, id: string): Promise<void> {
    await this.pub.hDel(this.key(room), id);
  }

  has(room: string, id: string): Promise<boolean> {
    return this.pub.hExists(this.key(room), id).then(Boolean);
  }

  /** Rejects when Redis did not take the event (it is down): the caller tells whoever sent it. */
  async publish(room: string, event: BusEvent): Promise<void> {
    await this.pub.publish(`${this.prefix}:events:${room}`, JSON.stringify({ origin: this.serverId, event }));
  }

  /**
   * Removes this server's members (it is going away), then disconnects. Redis gets at most
   * `timeoutMs` for that: if it is down or slow, the server still stops.
   */
  async close(members: Array<{ room: string; id: string }>, timeoutMs = 2000): Promise<void> {
    const tidy = (async () => {
      for (const { room, id } of members) await this.pub.hDel(this.key(room), id).catch(() => {});
      await Promise.allSettled([this.sub.close(), this.pub.close()]);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([tidy, new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
    clearTimeout(timer);
    for (const client of [this.sub, this.pub]) {
      try {
        client.destroy(); // drops whatever is still pending, and any reconnecting
      } catch { /* already closed */ }
    }
  }
}

/** The few `redis` client methods used, typed loosely so that the package stays optional. */
interface RedisLike {
  on(event: 'error', listener: (error: unknown) => void): void;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  hLen(key: string): Promise<number>;
  hSetNX(key: string, field: string, value: string): Promise<boolean | number>;
  hKeys(key: string): Promise<string[]>;
  hDel(key: string, field: string): Promise<number>;
  hExists(key: string, field: string): Promise<boolean | number>;
  publish(channel: string, message: string): Promise<number>;
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<void>;
}
