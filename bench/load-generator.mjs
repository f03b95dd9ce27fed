// The load generator of bench/server-vs-peerserver.mjs and bench/cluster.mjs, in a process of its
// own (its sockets and CPU are not the server's). Driven over IPC:
//   connect {kind: 'ours'|'peerjs', clients, roomSize, urls, placement: 'one'|'split'|'rooms'|'mixed', stage}
//   relay {count, perSecond}       paced relays between the pairs; latency p50/p99 (ms), by
//                                  whether the pair sits on one server or two
//   throughput {seconds, window}   each pair keeps `window` relays in flight: relays per second
//   close
// Clients bind to their own loopback addresses (127.x.y.z) so that ten thousand sockets, and the
// TIME_WAIT ports of the last stage, never run out of ephemeral ports on one address pair.
import WebSocket from 'ws';

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : null);
/** How many sockets connect at once. */
const BATCH = 200;
/** PeerServer drops a client it has not heard from within its alive_timeout: PeerJS clients send a heartbeat. */
const PEERJS_HEARTBEAT_MS = 25_000;

let clients = [];
let pairs = [];
let heartbeat;
/** Error replies from the server, by code: a refused relay never arrives. */
let errors = {};

/** One client; resolves once it is in (our welcome, PeerServer's OPEN), or null. */
function connectOne(kind, url, room, i, stage) {
  return new Promise((resolve) => {
    const localAddress = `127.${10 + (stage % 200)}.${(i >> 8) & 255}.${i & 255 || 1}`;
    const id = `c${stage}x${i}`;
    const target = kind === 'ours' ? url : `${url}/peerjs/peerjs?key=peerjs&id=${id}&token=t${i}`;
    const ws = new WebSocket(target, { localAddress, perMessageDeflate: false });
    const c = { ws, id: kind === 'ours' ? null : id, url, inbox: new Map(), onRelay: null };
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, 30_000);
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    ws.on('open', () => {
      if (kind === 'ours') ws.send(JSON.stringify({ type: 'join', room }));
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'welcome' || m.type === 'OPEN') {
        if (m.id) c.id = m.id;
        clearTimeout(timer);
        resolve(c);
      } else if (m.type === 'hello' || m.type === 'CANDIDATE') {
        c.onRelay?.(m.from ?? m.src);
      } else if (m.type === 'error' || m.type === 'ERROR') {
        const code = m.code ?? m.payload?.msg ?? 'error';
        errors[code] = (errors[code] ?? 0) + 1;
      }
    });
  });
}

async function connect({ kind, clients: n, roomSize, urls, placement, stage }) {
  const start = performance.now();
  const specs = Array.from({ length: n }, (_, i) => {
    const room = Math.floor(i / roomSize);
    const member = i % roomSize;
    // 'mixed': even rooms sit on one server, odd rooms are split across the servers.
    const split = placement === 'split' || (placement === 'mixed' && room % 2 === 1);
    const whole = placement === 'rooms' || (placement === 'mixed' && room % 2 === 0);
    const url = split ? urls[member % urls.length] : whole ? urls[Math.floor(room / 2) % urls.length] : urls[0];
    return { i, room, url };
  });
  const made = [];
  for (let k = 0; k < specs.length; k += BATCH) {
    made.push(
      ...(await Promise.all(
        specs.slice(k, k + BATCH).map((s) => connectOne(kind, s.url, `r${stage}-${s.room}`, s.i, stage)),
      )),
    );
  }
  clients = made;
  // Pairs inside each room: members 0-1, 2-3, …; a pair whose two clients are both in.
  pairs = [];
  for (let r = 0; r * roomSize < n; r++) {
    for (let m = 0; m + 1 < roomSize && r * roomSize + m + 1 < n; m += 2) {
      const a = made[r * roomSize + m],
        b = made[r * roomSize + m + 1];
      if (a && b) pairs.push([a, b]);
    }
  }
  const send =
    kind === 'ours'
      ? (from, to) => from.ws.send(JSON.stringify({ type: 'hello', to: to.id }))
      : (from, to) => from.ws.send(JSON.stringify({ type: 'CANDIDATE', dst: to.id, payload: { candidate: 'x' } }));
  for (const [a, b] of pairs) {
    a.send = (to) => send(a, to);
    b.send = (to) => send(b, to);
  }
  if (kind === 'peerjs')
    heartbeat = setInterval(() => {
      for (const c of clients) if (c?.ws.readyState === WebSocket.OPEN) c.ws.send('{"type":"HEARTBEAT"}');
    }, PEERJS_HEARTBEAT_MS);
  return { connected: made.filter(Boolean).length, pairs: pairs.length, seconds: (performance.now() - start) / 1000 };
}

/** Sends a relay from `from` to `to`; calls back with the latency when it arrived. */
function relayOnce(from, to, done) {
  const key = from.id;
  if (!to.inbox.has(key)) to.inbox.set(key, []);
  to.inbox.get(key).push(performance.now());
  to.onRelay ??= (sender) => {
    const sent = to.inbox.get(sender)?.shift();
    if (sent !== undefined) to.done?.(performance.now() - sent, sender);
  };
  from.send(to);
  return done;
}

async function relay({ count, perSecond }) {
  const samples = { local: [], cross: [] };
  let arrived = 0;
  const done = new Promise((resolve) => {
    const timeout = setTimeout(resolve, 30_000 + (count / perSecond) * 1000);
    for (const [a, b] of pairs) {
      for (const c of [a, b]) {
        c.done = (ms) => {
          samples[a.url === b.url ? 'local' : 'cross'].push(ms);
          if (++arrived === count) {
            clearTimeout(timeout);
            resolve();
          }
        };
      }
    }
  });
  const TICK_MS = 10;
  const perTick = Math.max(1, Math.round((perSecond * TICK_MS) / 1000));
  let sent = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      for (let k = 0; k < perTick && sent < count; k++, sent++) {
        const [a, b] = pairs[Math.floor(Math.random() * pairs.length)];
        if (Math.random() < 0.5) relayOnce(a, b);
        else relayOnce(b, a);
      }
      if (sent >= count) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await done;
  const out = { sent, arrived, errors: takeErrors() };
  for (const [k, xs] of Object.entries(samples)) {
    xs.sort((x, y) => x - y);
    out[k] = { n: xs.length, p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
  }
  return out;
}

async function throughput({ seconds, window }) {
  let relays = 0;
  let sent = 0;
  let running = true;
  const send = (from, to) => {
    sent++;
    relayOnce(from, to);
  };
  for (const [a, b] of pairs) {
    // Ping-pong: each arrival sends the next one back, `window` of them in flight per pair.
    a.done = () => {
      relays++;
      if (running) send(a, b);
    };
    b.done = () => {
      relays++;
      if (running) send(b, a);
    };
  }
  const start = performance.now();
  for (const [a, b] of pairs) for (let w = 0; w < window; w++) send(a, b);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const perSecond = relays / ((performance.now() - start) / 1000);
  await new Promise((r) => setTimeout(r, 500));
  for (const [a, b] of pairs) {
    a.done = b.done = null;
    a.inbox.clear();
    b.inbox.clear();
  }
  // A relay that never arrived (lost, or still queued after half a second) takes its place in the window with it.
  return { perSecond, sent, arrived: relays, errors: takeErrors() };
}

function takeErrors() {
  const out = errors;
  errors = {};
  return out;
}

async function close() {
  clearInterval(heartbeat);
  await Promise.all(
    clients.filter(Boolean).map(
      (c) =>
        new Promise((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', resolve);
          c.ws.close(1000);
          setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 2000);
        }),
    ),
  );
  clients = [];
  pairs = [];
  return {};
}

const commands = { connect, relay, throughput, close };
process.on('message', async (m) => {
  try {
    process.send({ id: m.id, result: await commands[m.cmd](m.args ?? {}) });
  } catch (error) {
    process.send({ id: m.id, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true });
