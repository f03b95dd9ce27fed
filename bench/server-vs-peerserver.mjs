// The same load on our server and on PeerServer, each alone in its process, the load generator in
// another: clients connect (ours: rooms of 2 and of 10; PeerServer: pairs that relay by `dst`),
// then paced relays between the pairs of each room. Measures connected clients, relay latency
// p50 and p99, RSS and heap growth per client, and the server's CPU seconds per 10,000 relays.
import { startLoadGenerator, startServer } from './processes.mjs';

export const CONTENDERS = { ours2: ['ours', 2], ours10: ['ours', 10], peerjs: ['peerjs', 2] };

let stage = 0;

async function one(load, kind, roomSize, clients, relays) {
  const server = await startServer(kind);
  try {
    const before = await server.ask('memory');
    const joined = await load.call('connect', {
      kind,
      clients,
      roomSize,
      urls: [server.url],
      placement: 'one',
      stage: stage++,
    });
    // Let the last sockets' set-up garbage go before the memory is read.
    await new Promise((r) => setTimeout(r, 500));
    const after = await server.ask('memory');
    const cpu0 = await server.ask('cpu');
    const relayed = await load.call('relay', relays);
    const cpu1 = await server.ask('cpu');
    await load.call('close');
    const per = joined.connected || 1;
    return {
      clients,
      connected: joined.connected,
      connectSeconds: joined.seconds,
      relays: relayed.arrived,
      sent: relayed.sent,
      p50: relayed.local.p50,
      p99: relayed.local.p99,
      heapPerClient: (after.heapUsed - before.heapUsed) / per,
      rssPerClient: (after.rss - before.rss) / per,
      cpuPer10kRelays: ((cpu1.seconds - cpu0.seconds) / Math.max(1, relayed.arrived)) * 10_000,
    };
  } finally {
    await server.stop();
  }
}

/**
 * For each client count, every contender in turn (the order rotates by size). `relays`:
 * `{count, perSecond}` for the paced relay phase.
 */
export async function serverVsPeerServer({ sizes, relays, log = () => {} }) {
  const load = await startLoadGenerator();
  const out = { fdLimit: load.fdLimit, relays, sizes: {} };
  try {
    for (const [s, clients] of sizes.entries()) {
      out.sizes[clients] = {};
      const names = Object.keys(CONTENDERS);
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + s) % names.length];
        const [kind, roomSize] = CONTENDERS[name];
        const r = await one(load, kind, roomSize, clients, relays).catch((e) => ({ error: e.message }));
        out.sizes[clients][name] = r;
        log(`${clients} clients, ${name}: ${JSON.stringify(r)}`);
      }
    }
  } finally {
    await load.stop();
  }
  return out;
}
