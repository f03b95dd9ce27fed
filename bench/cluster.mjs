// Two instances of our server over one redis-server, clients split across them: relay latency
// between instances against within one (in the same paced run), and relays per second with one
// instance and with two.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { startLoadGenerator, startServer } from './processes.mjs';

async function startRedis() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = createConnection(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      return exited;
    },
  };
}

let stage = 100;

async function withServers(redisUrl, count, fn) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer('ours', { redisUrl }));
    return await fn(servers.map((s) => s.url));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * `clients` in rooms of 2; `relays` {count, perSecond} for the latency phase; `seconds` of ping-pong per throughput
 * figure.
 */
export async function cluster({ clients, relays, seconds, window = 4, log = () => {} }) {
  const redis = await startRedis();
  const load = await startLoadGenerator();
  const out = { clients, relays, seconds, window };
  try {
    out.latency = await withServers(redis.url, 2, async (urls) => {
      const joined = await load.call('connect', {
        kind: 'ours',
        clients,
        roomSize: 2,
        urls,
        placement: 'mixed',
        stage: stage++,
      });
      const r = await load.call('relay', relays);
      await load.call('close');
      return { connected: joined.connected, ...r };
    });
    log(`cluster latency: ${JSON.stringify(out.latency)}`);
    const rate = (count, placement) =>
      withServers(redis.url, count, async (urls) => {
        const joined = await load.call('connect', {
          kind: 'ours',
          clients,
          roomSize: 2,
          urls,
          placement,
          stage: stage++,
        });
        const r = await load.call('throughput', { seconds, window });
        await load.call('close');
        return { connected: joined.connected, ...r };
      });
    out.one = await rate(1, 'one');
    out.twoSplit = await rate(2, 'split');
    out.twoRooms = await rate(2, 'rooms');
    log(
      `cluster relays/s: one ${out.one.perSecond.toFixed(0)}, two split ${out.twoSplit.perSecond.toFixed(0)}, two by room ${out.twoRooms.perSecond.toFixed(0)}`,
    );
  } finally {
    await load.stop();
    await redis.stop();
  }
  return out;
}
