// The tables of the figures where users wait (bench/RESULTS.md): join to first frame, the server
// against PeerServer, the cluster. Ratios only; bare times stay in results.json.
import { CASES, CONTENDERS, DELAY_MS } from './join-to-frame.mjs';

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const check = (ok) => (ok ? '✅' : '❌');

/**
 * Median over rounds of contender time ÷ raw time in the same round (null when fewer than half the rounds finished).
 */
export function joinRatio(times, contender) {
  const xs = times[contender].flatMap((t, i) => (t !== null && times.raw[i] !== null ? [t / times.raw[i]] : []));
  return xs.length * 2 >= times.raw.length ? median(xs) : null;
}

/**
 * Signaling round trips on the way to the first frame: (median with the delay − without) ÷ a round trip of the delay.
 */
export function roundTrips(byDelay, contender) {
  const slow = median(byDelay[DELAY_MS][contender]);
  const fast = median(byDelay[0][contender]);
  return slow === null || fast === null ? null : (slow - fast) / (2 * DELAY_MS);
}

/** Whether every target of section 1 is met in `join` (results by browser). */
export function joinVerdicts(join) {
  const out = [];
  for (const [browser, times] of Object.entries(join)) {
    for (const kase of Object.keys(CASES)) {
      for (const delay of [0, DELAY_MS]) {
        const el = joinRatio(times[kase][delay], 'element');
        const pj = joinRatio(times[kase][delay], 'peerjs');
        out.push({
          browser,
          kase,
          delay,
          el,
          pj,
          ok: el !== null && el <= 1.1,
          ahead: el !== null && pj !== null && el < pj,
        });
      }
    }
  }
  return out;
}

export function joinTables(join, rounds, date) {
  const browsers = Object.keys(join);
  const rows = [];
  for (const kase of Object.keys(CASES)) {
    for (const delay of [0, DELAY_MS]) {
      const cells = browsers.map((b) => {
        const t = join[b].times[kase][delay];
        const el = joinRatio(t, 'element');
        const pj = joinRatio(t, 'peerjs');
        return `${fmt(el)} ${check(el !== null && el <= 1.1)} / ${fmt(pj)} ${check(el !== null && pj !== null && el < pj)}`;
      });
      rows.push(`| ${CASES[kase]}${delay ? `, +${delay} ms a message` : ''} | ${cells.join(' | ')} |`);
    }
  }
  const trips = [];
  for (const kase of Object.keys(CASES)) {
    trips.push(
      `| ${CASES[kase]} | ${browsers.map((b) => CONTENDERS.map((c) => fmt(roundTrips(join[b].times[kase], c), 1)).join(' / ')).join(' | ')} |`,
    );
  }
  const failed = browsers
    .map((b) => {
      const n = Object.values(join[b].times)
        .flatMap((byDelay) => Object.values(byDelay).flatMap((byC) => Object.values(byC).flat()))
        .filter((t) => t === null).length;
      return `${b}: ${n}`;
    })
    .join(', ');
  return `## Join to first frame

Two pages (windows) of one browser, through the reference server on 127.0.0.1 (PeerJS: a local
PeerServer), each behind a relay in the bench that can hold every client → server message
${DELAY_MS} ms. Timed from the joining page's start (its socket, its camera) to the first remote
video frame presented (\`requestVideoFrameCallback\`) or the first channel message, on the last side
that receives one. The waiting page is in its room with its camera open before. Median over ${rounds}
rounds of each round's time ÷ raw's time in the same round (the contenders' order rotates), measured ${date}.
Raw is a hand-written page: WebSocket + \`RTCPeerConnection\`, the same server and messages, the
fewest the protocol allows (the joiner offers as soon as its welcome names the peer, the other
answers; no \`hello\`). Targets: \`<rtc-call>\` ≤ 1.10 × raw, and ahead of PeerJS.

| case | ${browsers.map((b) => `${b} ${join[b].version}: \`<rtc-call>\` ÷ raw / PeerJS ÷ raw`).join(' | ')} |
|---|${browsers.map(() => '---|').join('')}
${rows.join('\n')}

Signaling round trips to the first frame ((median time with ${DELAY_MS} ms a message − without) ÷
${2 * DELAY_MS} ms; a wait on a timer does not count), raw / \`<rtc-call>\` / PeerJS:

| case | ${browsers.join(' | ')} |
|---|${browsers.map(() => '---|').join('')}
${trips.join('\n')}

Failed joins (nothing shown within 20 s), left out of their ratios: ${failed}.

The relay holds messages, not the WebSocket handshake: PeerJS joins in its upgrade URL (its server
answers OPEN to the handshake), so its join costs no held message, where raw and \`<rtc-call>\`
send a \`join\` and wait for the welcome (one round trip more under the delay).

Where \`<rtc-call>\` spends the legs that raw does not (from the protocol, docs/PROTOCOL.md §4–5, and
the round-trip rows): raw needs three held client → server messages to the first frame (\`join\`,
offer, answer). The session finds its peer by the signaler's presence (\`welcome.peers\` for the
joiner, \`peer-joined\` for the waiting side, which the server sends with no held message), and
the impolite side offers at once, with no \`hello\` first: three legs, as raw, whenever the
impolite side has something to send (both send, data only, and the one-sided cases when the
sending side is the impolite one). When the impolite side only receives, it offers receive-only
audio and video at once (\`SessionOptions.receive\`, which \`<rtc-call>\` sets when it sends
nothing), as raw's receiving joiner offers a \`recvonly\` transceiver, and the polite side's video
goes out on it in the answer: three legs too, whichever side the server's random ids make polite.
The polite side's 1.5 s wait (for an offer no \`hello\` announced) is not reached here: the
impolite side offers as soon as it sees its peer.
${rounds} rounds; the round-trip estimates are noisy (a negative one is noise).

Where a cell misses 1.10, the round-trip rows show that it is not a signaling leg: \`<rtc-call>\`
needs as many held messages as raw (within the noise of ±0.5), so what is left is time spent in the
page, the same with or without the delay. Traced in Firefox, data only (8 rounds of raw and
\`<rtc-call>\`, each step timed): \`<rtc-call>\` is 5 to 25 ms slower at its start (the element's
update, the session and connection set-up) and again from the offer to the answer, while both
spend the same time from the candidates to the ICE checks. That is a fixed cost of tens of
milliseconds, which weighs most in the fastest cases (data only, or one side that only
receives). The change that would close it: profile and trim the start path of \`<rtc-call>\` (what
runs between \`start()\` and the first offer) until it costs what raw's few lines do.
`;
}

export function serverTable(server, date) {
  const sizes = Object.keys(server.sizes);
  const kb = (b) => (b === null || b === undefined ? 'n/a' : `${(b / 1024).toFixed(1)} KiB`);
  const ratio = (a, b) => (a === undefined || b === undefined || !b ? null : a / b);
  const head = sizes.flatMap((n) => [
    `${Number(n).toLocaleString('en')}: ours, rooms of 2`,
    'ours, rooms of 10',
    'PeerServer',
  ]);
  const row = (label, f, r) =>
    `| ${label} | ${sizes.flatMap((n) => ['ours2', 'ours10', 'peerjs'].map((k) => (server.sizes[n][k]?.error ? 'failed' : f(server.sizes[n][k] ?? {}, server.sizes[n])))).join(' | ')} | ${r ?? ''} |`;
  const vs = (key) => (x, all) =>
    all.peerjs && !all.peerjs.error && x !== all.peerjs
      ? `${fmt(ratio(x[key], all.peerjs[key]))} × PeerServer`
      : '1.00';
  return `## The server against PeerServer

Each server alone in its process, the load generator in another, all on 127.0.0.1 (open-file limit
of each process: ${server.fdLimit}, the hard limit here, which a container cannot raise: enough for 10,000
sockets a process). Clients connect 200 at a time and join (ours: rooms of 2 or of 10; PeerServer:
its OPEN, clients in pairs); then ${server.relays.count.toLocaleString('en')} relays, ${server.relays.perSecond.toLocaleString('en')} a second, each from one client to the
other of a random pair of a room (ours: \`hello\` with \`to\`; PeerServer: \`CANDIDATE\` with \`dst\`),
latency from send to arrival. Memory is the growth from the empty server to all connected (after
GC), per connected client; CPU is the server process's user + system time in the relay phase.
PeerServer runs with \`concurrent_limit\` raised (5,000 by default) and its clients send a heartbeat every 25 s;
ours pings every 15 s. Measured ${date}.

| figure | ${head.join(' | ')} | target |
|---|${head.map(() => '---|').join('')}---|
${row('connected', (x) => `${x.connected} of ${x.clients}`, 'all, at 10,000')}
${row('relay p50 ÷ PeerServer', vs('p50'))}
${row('relay p99 ÷ PeerServer', vs('p99'), 'ours < 1')}
${row('RSS per client ÷ PeerServer', vs('rssPerClient'), 'ours < 1')}
${row('heap per client ÷ PeerServer', vs('heapPerClient'), 'ours < 1')}
${row('CPU per 10,000 relays ÷ PeerServer', vs('cpuPer10kRelays'))}
${row('relay p50 / p99', (x) => `${fmt(x.p50, 1)} / ${fmt(x.p99, 1)} ms`)}
${row('RSS / heap per client', (x) => `${kb(x.rssPerClient)} / ${kb(x.heapPerClient)}`)}
${row('CPU seconds per 10,000 relays', (x) => fmt(x.cpuPer10kRelays, 2))}

Latency here is mostly the load generator's and the machine's (one process sends and receives
for every client, on two cores that other work shares): p99 swings by 2 to 3 × between runs, so a
p99 ratio far from 1 in one column and the other way in the next is noise, not a finding (ours
at 10,000 in rooms of 2, four runs in a row: p99 28 to 114 ms; the build before the heap changes
below, run in turns with it: 21 to 164 ms). On a quiet machine every p99 is a few milliseconds,
and a p99 ratio over 1 at 1,000 clients is a fraction of a millisecond. Not measured further; the
change most likely to lower ours: the 15 s heartbeat pings every socket in one go, and spreading
those pings over the interval would keep them off the relays' tail.

What each client holds was found with heap snapshots (\`v8.writeHeapSnapshot\`, 1,000 clients in
rooms of 2, against the empty server; PeerServer the same way). The WebSocket with its TCP socket,
receiver and sender is about 3 KiB in both servers. A first pass took off ours: the upgrade request
(about 1.2 KiB; kept only when a \`verify\` hook needs it), four closures per socket (one set of
listeners for all sockets), ws's client set, a token bucket object and a separate property store
per connection: 5.7 to 4.1 KiB a client (PeerServer 3.6 KiB). A second pass took off: the upgrade
front's error listener, left on every socket after ws took it (a closure and a listener array,
about 140 bytes); the address record that reading \`remoteAddress\` keeps on a socket (about 60
bytes) and the per-address count, neither kept when \`maxClientsPerAddress\` is no lower than
\`maxClients\` (as here: with the default of 256 a client costs about 90 bytes more); a fourth event
name (\`pong\`) that grew each socket's listener table by 96 bytes (pongs go straight to the
connection); ws's \`autoPong\` closure per socket (96 bytes: the server answers pings itself, with
ws's limit of 60 unsent answers); a \`Map\` per room (about 300 bytes: a room is now an array exactly
as long, since spread, \`push\` and \`filter\` reserve 16 more places, 136 bytes); and the
connection's own fields, 192 bytes and several boxed numbers down to 112 bytes and one (what all
connections share is held once, what few need — a join deadline, a grace timer, relays waiting on
Redis — in maps while it lasts, three flags in one field, the token bucket as one time). Heap per
client at 1,000 in one process: 4.1 to 3.5 KiB (PeerServer 3.6 KiB); at 10,000, 2.8 KiB against
3.0. What is left over PeerServer's client (56 bytes, but about 370 bytes of closures per socket):
the connection (112 bytes), a room's two arrays and map entries (in \`Rooms\` and in the
\`LocalRegistry\`: about 90 bytes a client in rooms of 2, 30 in rooms of 10), what reading the join
leaves in ws's receiver (up to about 150 bytes that PeerServer's sockets, which receive nothing
before the measurement, do not hold yet), and about 200 KB more compiled code, which weighs most
at 1,000. perMessageDeflate was already off.

RSS per client follows mostly V8's young generation, which grows in steps while clients connect
(up to 32 MiB; 1 to 8 MiB in the empty process): at 1,000 clients one step more or
less is 7 to 8 KiB a client either way, at 10,000 still about 0.4 KiB, so an RSS ratio a few
percent from 1 is noise. The old generation grows less in ours (27 against 31 MiB at 10,000).
`;
}

export function clusterTable(c, date) {
  const lat = c.latency;
  const ratio = lat.cross.p99 && lat.local.p99 ? lat.cross.p99 / lat.local.p99 : null;
  return `## The cluster

Two instances of our server over one \`redis-server\` (127.0.0.1), ${c.clients.toLocaleString('en')} clients in rooms of 2:
half the rooms on one instance, half split across both; ${c.relays.count.toLocaleString('en')} relays, ${c.relays.perSecond.toLocaleString('en')} a second, in
one run over both kinds. Then relays per second: every pair keeps ${c.window} relays going back and forth for ${c.seconds} s
(one load generator process). Measured ${date}.

| figure | value | target |
|---|---|---|
| connected | ${lat.connected} of ${c.clients} | all |
| relay p99 between instances ÷ within one | ${fmt(ratio)} ${check(ratio !== null && ratio <= 2)} | ≤ 2 |
| … p50 between ÷ within | ${fmt(lat.cross.p50 / lat.local.p50)} | |
| relays a second, two instances (every room split) ÷ one instance | ${fmt(c.twoSplit.perSecond / c.one.perSecond)} | |
| relays a second, two instances (each room on one) ÷ one instance | ${fmt(c.twoRooms.perSecond / c.one.perSecond)} | |
| relays a second: one instance / two, split / two, by room | ${c.one.perSecond.toFixed(0)} / ${c.twoSplit.perSecond.toFixed(0)} / ${c.twoRooms.perSecond.toFixed(0)} | |

A relay between instances is published at once: each instance routes by the membership it follows
(the cluster's join, leave and relay events, and its reconcile pass) instead of asking Redis
(\`HEXISTS\`) before each relay; only an id it does not know yet is looked up, and the relays of
that sender wait behind the lookup, so that their order holds. The relay's \`PUBLISH\` has no
command timeout (the Redis client's default made an \`AbortSignal\` and a timer per command, about
a tenth of a relay's CPU), and an instance skips its own events by their first bytes, unparsed.
With two instances every process (two servers, Redis, the load generator) shares the two cores, so
the relays a second of two instances measure the CPU a relay costs in all of them, not a limit of
one instance.
`;
}
