// The signaling server under load: N WebSocket clients in R rooms on 127.0.0.1. The server runs
// in a child process so that its memory is its own; relay latency is measured client to client.
import { fork } from 'node:child_process';
import WebSocket from 'ws';

const median = (xs) => xs[Math.floor(xs.length / 2)];
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function startServerProcess() {
  const child = fork(new URL('./server-process.mjs', import.meta.url), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (type) => new Promise((resolve) => {
    const on = (m) => { if (m.type === type) { child.off('message', on); resolve(m); } };
    child.on('message', on);
    child.send({ type });
  });
  return new Promise((resolve) => child.once('message', (m) => resolve({ url: m.url, child, ask })));
}

function client(url, room) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const c = { ws, id: null, onHello: null };
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', room })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'welcome') { c.id = m.id; resolve(c); }
      else if (m.type === 'hello' && c.onHello) c.onHello(m);
    });
  });
}

async function measureRelays(pairs, perPair) {
  const samples = [];
  for (let round = 0; round < perPair; round++) {
    await Promise.all(pairs.map(([a, b]) => new Promise((resolve) => {
      const start = performance.now();
      b.onHello = () => { samples.push(performance.now() - start); b.onHello = null; resolve(); };
      a.ws.send(JSON.stringify({ type: 'hello', to: b.id }));
    })));
  }
  return samples.sort((x, y) => x - y);
}

export async function serverLoad({ clients = 1000, rooms = 100 } = {}) {
  const server = await startServerProcess();
  try {
    const before = await server.ask('memory');
    // Baseline: one pair alone.
    const [x, y] = [await client(server.url, 'baseline'), await client(server.url, 'baseline')];
    const baseline = await measureRelays([[x, y]], 200);
    x.ws.close(); y.ws.close();
    const all = [];
    for (let i = 0; i < clients; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, clients - i) }, (_, j) => client(server.url, `room-${(i + j) % rooms}`).catch(() => null)));
      all.push(...batch);
    }
    const connected = all.filter(Boolean);
    const after = await server.ask('memory');
    const byRoom = new Map();
    connected.forEach((c, i) => { const r = i % rooms; if (!byRoom.has(r)) byRoom.set(r, []); byRoom.get(r).push(c); });
    const pairs = [...byRoom.values()].filter((cs) => cs.length >= 2).map((cs) => [cs[0], cs[1]]);
    const samples = await measureRelays(pairs, 20);
    for (const c of connected) c.ws.close();
    return {
      clients, rooms, connected: connected.length, samples: samples.length,
      baselineP50: median(baseline), p50: median(samples), p99: pct(samples, 0.99),
      heapPerClient: (after.heapUsed - before.heapUsed) / connected.length,
      rssPerClient: (after.rss - before.rss) / connected.length,
    };
  } finally {
    server.child.kill();
  }
}
