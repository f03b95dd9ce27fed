import { randomBytes } from 'node:crypto';
import type { Admission, RoomEvent, RoomRegistry } from './room-registry.js';

// Keys (prefix `rtc-elements`): `room:<room>` hash id → server id; `left:<room>` hash id → reason
// of recent leaves (expires after instanceTimeoutMs); `members:<server>` set of "<room> <id>" (rooms
// and ids have no spaces); `alive:<server>` with a TTL; `instances` set of server ids. Scripts run atomically in Redis.
// ARGV[1] is always the prefix.

const ADMIT = `
local roomKey = ARGV[1] .. ':room:' .. ARGV[2]
local member = ARGV[2] .. ' ' .. ARGV[3]
local holder = redis.call('HGET', roomKey, ARGV[3])
if holder then
  if ARGV[6] ~= '1' then return {'taken'} end
  if holder ~= ARGV[4] then redis.call('SREM', ARGV[1] .. ':members:' .. holder, member) end
elseif redis.call('HLEN', roomKey) >= tonumber(ARGV[5]) then
  return {'full'}
end
redis.call('HSET', roomKey, ARGV[3], ARGV[4])
redis.call('HDEL', ARGV[1] .. ':left:' .. ARGV[2], ARGV[3])
redis.call('SADD', ARGV[1] .. ':members:' .. ARGV[4], member)
local out = {holder and 'resumed' or 'ok'}
for _, peer in ipairs(redis.call('HKEYS', roomKey)) do
  if peer ~= ARGV[3] then table.insert(out, peer) end
end
return out`;

const RELEASE = `
local roomKey = ARGV[1] .. ':room:' .. ARGV[2]
redis.call('SREM', ARGV[1] .. ':members:' .. ARGV[4], ARGV[2] .. ' ' .. ARGV[3])
local holder = redis.call('HGET', roomKey, ARGV[3])
if holder and holder ~= ARGV[4] then return 0 end
redis.call('HDEL', roomKey, ARGV[3])
local leftKey = ARGV[1] .. ':left:' .. ARGV[2]
redis.call('HSET', leftKey, ARGV[3], ARGV[5])
redis.call('PEXPIRE', leftKey, ARGV[6])
return 1`;

const BEAT = `
local alive = ARGV[1] .. ':alive:' .. ARGV[2]
local existed = redis.call('EXISTS', alive)
redis.call('SET', alive, '1', 'PX', ARGV[3])
redis.call('SADD', ARGV[1] .. ':instances', ARGV[2])
return existed`;

const REREGISTER = `
local added = {}
local membersKey = ARGV[1] .. ':members:' .. ARGV[2]
for i = 3, #ARGV, 2 do
  local roomKey = ARGV[1] .. ':room:' .. ARGV[i]
  local holder = redis.call('HGET', roomKey, ARGV[i + 1])
  if not holder then
    redis.call('HSET', roomKey, ARGV[i + 1], ARGV[2])
    table.insert(added, ARGV[i])
    table.insert(added, ARGV[i + 1])
  end
  if not holder or holder == ARGV[2] then redis.call('SADD', membersKey, ARGV[i] .. ' ' .. ARGV[i + 1]) end
end
return added`;

const REAP = `
local out = {}
for _, server in ipairs(redis.call('SMEMBERS', ARGV[1] .. ':instances')) do
  if server ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. ':alive:' .. server) == 0 then
    local membersKey = ARGV[1] .. ':members:' .. server
    for _, member in ipairs(redis.call('SMEMBERS', membersKey)) do
      local space = string.find(member, ' ', 1, true)
      if space then
        local room = string.sub(member, 1, space - 1)
        local id = string.sub(member, space + 1)
        local roomKey = ARGV[1] .. ':room:' .. room
        if redis.call('HGET', roomKey, id) == server then
          redis.call('HDEL', roomKey, id)
          redis.call('HSET', ARGV[1] .. ':left:' .. room, id, 'timeout')
          redis.call('PEXPIRE', ARGV[1] .. ':left:' .. room, ARGV[3])
          table.insert(out, room)
          table.insert(out, id)
        end
      end
    end
    redis.call('DEL', membersKey)
    redis.call('SREM', ARGV[1] .. ':instances', server)
  end
end
return out`;

export interface RedisRegistryOptions {
  url: string;
  /** A server that stops refreshing its liveness key is declared dead within this time (ms). */
  instanceTimeoutMs: number;
  /** Events of other servers (and the leaves of dead servers' peers, found here). */
  onEvent: (room: string, event: RoomEvent) => void;
  /** This server's members now: re-registered when Redis lost them. */
  members: () => Array<{ room: string; id: string }>;
  /**
   * Each tick, for each room this server has peers in: who Redis says is in it, and why those who
   * recently left did. Events are pub/sub and lost while a subscriber reconnects: this catches up.
   */
  onMembers: (room: string, ids: Set<string>, left: Map<string, string>) => void;
  /** The rooms this server has peers in. */
  rooms: () => Iterable<string>;
  prefix?: string;
}

/**
 * Rooms shared by the servers of a cluster over Redis. Admission is one Lua script; each server
 * refreshes a liveness key and owns its members, so that when a server dies another one removes
 * its members and announces them gone; when Redis comes back empty (or after this server was
 * taken for dead) every server registers its live members again and sends the leaves it could not.
 */
export class RedisRegistry implements RoomRegistry {
  readonly shared = true;
  readonly serverId = randomBytes(6).toString('hex');
  /** How this server's events begin: `{"origin":…,"event":` then the event. */
  readonly #envelope = `{"origin":"${this.serverId}","event":`;
  readonly #pub: RedisLike;
  readonly #sub: RedisLike;
  readonly #prefix: string;
  readonly #options: RedisRegistryOptions;
  readonly #ttlMs: number;
  /** Leaves Redis did not take yet: sent again on each tick. */
  #pending: Array<{ room: string; id: string; reason: string; released: boolean }> = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  private constructor(pub: RedisLike, sub: RedisLike, options: RedisRegistryOptions) {
    this.#pub = pub;
    this.#sub = sub;
    this.#options = options;
    this.#prefix = options.prefix ?? 'rtc-elements';
    this.#ttlMs = Math.max(1, Math.floor(options.instanceTimeoutMs / 2));
  }

  static async connect(options: RedisRegistryOptions): Promise<RedisRegistry> {
    // Imported only when a Redis URL is given: without it the server needs no Redis at all.
    const { createClient } = await import('redis').catch((error: unknown) => {
      // redis is an optional peer dependency: say what to install instead of Node's "Cannot find package".
      const { code, message } = error as { code?: string; message?: string };
      if (code !== 'ERR_MODULE_NOT_FOUND' || !message?.includes("'redis'")) throw error;
      throw new Error(
        'a Redis URL was given, but the "redis" package (an optional peer dependency of rtc-elements) is not installed: run `npm install redis`',
      );
    });
    // No offline queue: while Redis is away a join fails at once (its socket is closed with 1001)
    // instead of waiting without end. Reconnects are frequent, so that re-registration is prompt.
    const settings = {
      url: options.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 1000) },
    };
    const pub = createClient(settings) as unknown as RedisLike;
    const sub = createClient(settings) as unknown as RedisLike;
    pub.on('error', () => {
      /* reconnects by itself; commands fail meanwhile */
    });
    sub.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    const registry = new RedisRegistry(pub, sub, options);
    const prefix = registry.#prefix;
    // This server's own events come back too: told apart by their first bytes, without parsing them.
    const own = registry.#envelope;
    await sub.pSubscribe(`${prefix}:events:*`, (text: string, channel: string) => {
      if (text.startsWith(own)) return;
      try {
        const { origin, event } = JSON.parse(text) as { origin: string; event: RoomEvent };
        if (origin === registry.serverId) return;
        options.onEvent(channel.slice(`${prefix}:events:`.length), event);
      } catch {
        /* not ours */
      }
    });
    await registry.#tick();
    registry.#timer = setInterval(() => void registry.#tick(), Math.max(1, Math.floor(options.instanceTimeoutMs / 4)));
    registry.#timer.unref?.();
    // Back after an outage: check at once whether Redis still knows this server's members.
    pub.on('ready', () => void registry.#tick());
    return registry;
  }

  #eval(script: string, args: Array<string | number>): Promise<unknown> {
    return this.#pub.sendCommand(['EVAL', script, '0', this.#prefix, ...args.map(String)]);
  }

  async admit(room: string, id: string, maxRoomSize: number, resume: boolean): Promise<Admission> {
    const reply = (await this.#eval(ADMIT, [room, id, this.serverId, maxRoomSize, resume ? '1' : '0'])) as string[];
    if (reply[0] === 'ok' || reply[0] === 'resumed')
      return { ok: true, peers: reply.slice(1), resumed: reply[0] === 'resumed' };
    return { ok: false, reason: reply[0] === 'taken' ? 'taken' : 'full' };
  }

  release(room: string, id: string, reason: string): void {
    const entry = { room, id, reason, released: false };
    void this.#sendLeave(entry).catch(() => {
      this.#pending.push(entry);
    });
  }

  async #sendLeave(entry: { room: string; id: string; reason: string; released: boolean }): Promise<void> {
    if (!entry.released) {
      const mine = Number(
        await this.#eval(RELEASE, [entry.room, entry.id, this.serverId, entry.reason, this.#options.instanceTimeoutMs]),
      );
      entry.released = true;
      if (mine !== 1) return; // resumed on another server meanwhile: it did not leave
    }
    await this.publish(entry.room, { kind: 'left', id: entry.id, reason: entry.reason });
  }

  has(room: string, id: string): Promise<boolean> {
    return this.#pub.sendCommand(['HEXISTS', `${this.#prefix}:room:${room}`, id]).then((n) => Number(n) === 1);
  }

  async publish(room: string, event: RoomEvent): Promise<void> {
    // No command timeout (the client's default makes an AbortSignal and a timer per command, a
    // tenth of a relay's cost): a publish fails when the connection does, as relays did before.
    await this.#pub.sendCommand(
      ['PUBLISH', `${this.#prefix}:events:${room}`, `${this.#envelope}${JSON.stringify(event)}}`],
      NO_TIMEOUT,
    );
  }

  /** Liveness, re-registration, pending leaves, dead servers: one pass, never two at once. */
  #tick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#ticking ??= this.#pass()
      .catch(() => {
        /* Redis away: the next tick tries again */
      })
      .finally(() => {
        this.#ticking = undefined;
      });
    return this.#ticking;
  }

  async #pass(): Promise<void> {
    const existed = Number(await this.#eval(BEAT, [this.serverId, this.#ttlMs]));
    if (existed !== 1) await this.#reregister();
    for (const entry of this.#pending.splice(0)) {
      await this.#sendLeave(entry).catch((error: unknown) => {
        this.#pending.push(entry);
        throw error;
      });
    }
    const reaped = (await this.#eval(REAP, [this.serverId, this.#options.instanceTimeoutMs])) as string[];
    for (let i = 0; i + 1 < reaped.length; i += 2) {
      const room = reaped[i] as string;
      const id = reaped[i + 1] as string;
      // Their server is dead: this one announces them, here and to the other servers.
      this.#options.onEvent(room, { kind: 'left', id, reason: 'timeout' });
      const entry = { room, id, reason: 'timeout', released: true };
      await this.#sendLeave(entry).catch(() => {
        this.#pending.push(entry);
      });
    }
    await this.#reconcile();
  }

  async #reconcile(): Promise<void> {
    const rooms = [...this.#options.rooms()];
    for (let i = 0; i < rooms.length; i += 100) {
      await Promise.all(
        rooms.slice(i, i + 100).map(async (room) => {
          const [ids, left] = await Promise.all([
            this.#pub.sendCommand(['HKEYS', `${this.#prefix}:room:${room}`]) as Promise<string[]>,
            this.#pub.sendCommand(['HGETALL', `${this.#prefix}:left:${room}`]) as Promise<
              string[] | Record<string, string>
            >,
          ]);
          const reasons = new Map<string, string>(
            Array.isArray(left)
              ? Array.from({ length: left.length / 2 }, (_, k) => [left[2 * k] as string, left[2 * k + 1] as string])
              : Object.entries(left),
          );
          this.#options.onMembers(room, new Set(ids), reasons);
        }),
      );
    }
  }

  async #reregister(): Promise<void> {
    const members = this.#options.members();
    for (let i = 0; i < members.length; i += 500) {
      const batch = members.slice(i, i + 500).flatMap(({ room, id }) => [room, id]);
      const added = (await this.#eval(REREGISTER, [this.serverId, ...batch])) as string[];
      for (let j = 0; j + 1 < added.length; j += 2) {
        await this.publish(added[j] as string, { kind: 'present', id: added[j + 1] as string });
      }
    }
  }

  /**
   * Removes this server's members (it is going away), then disconnects. Redis gets at most
   * `timeoutMs` for that: if it is down or slow, the server still stops.
   */
  async close(members: Array<{ room: string; id: string }>, timeoutMs = 2000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const tidy = (async () => {
      // Not announced as gone (their calls go on, their signalers reconnect): no leave record either.
      for (const { room, id } of members)
        await this.#pub.sendCommand(['HDEL', `${this.#prefix}:room:${room}`, id]).catch(() => {});
      await this.#pub.sendCommand(['DEL', `${this.#prefix}:members:${this.serverId}`]).catch(() => {});
      await this.#pub.sendCommand(['DEL', `${this.#prefix}:alive:${this.serverId}`]).catch(() => {});
      await this.#pub.sendCommand(['SREM', `${this.#prefix}:instances`, this.serverId]).catch(() => {});
      await Promise.allSettled([this.#sub.close(), this.#pub.close()]);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      tidy,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const client of [this.#sub, this.#pub]) {
      try {
        client.destroy(); // drops whatever is still pending, and any reconnecting
      } catch {
        /* already closed */
      }
    }
  }
}

const NO_TIMEOUT = { timeout: 0 };

/** The few `redis` client methods used, typed loosely so that the package stays optional. */
interface RedisLike {
  on(event: 'error' | 'ready', listener: (error: unknown) => void): void;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<void>;
}
