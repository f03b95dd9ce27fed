// What BENCH_QUICK=1 (npm test) fails on: breakage, never a ratio. Every race has a finished
// round for every contender, every join showed its frame or message, every client connected
// and every relay arrived.
const finished = (times) => times.some((t) => t !== null);

/** `{checks, failures}`: how many checks ran and what failed. */
export function quickCheck({ results, join, server, cluster }) {
  const failures = [];
  let checks = 0;
  const check = (ok, message) => {
    checks++;
    if (!ok) failures.push(message);
  };
  for (const [browser, r] of Object.entries(results)) {
    for (const figure of ['throughput', 'libraries', 'open', 'roundTrips']) {
      for (const [name, v] of Object.entries(r[figure]))
        check(finished(v.times), `${browser} ${figure}: ${name} never finished`);
    }
    check(
      r.loop.openAfter === r.loop.openBefore && r.loop.nativesOpen === 0,
      `${browser}: connections left open after the set-up loop`,
    );
  }
  for (const [browser, j] of Object.entries(join)) {
    for (const [kase, byDelay] of Object.entries(j.times)) {
      for (const [delay, byContender] of Object.entries(byDelay)) {
        for (const [contender, times] of Object.entries(byContender))
          check(finished(times), `${browser} join ${kase} +${delay} ms: ${contender} showed nothing`);
      }
    }
  }
  for (const [clients, byName] of Object.entries(server?.sizes ?? {})) {
    for (const [name, r] of Object.entries(byName)) {
      check(
        !r.error && r.connected === r.clients && r.relays === r.sent,
        `server ${name} at ${clients}: ${r.error ?? `${r.connected} of ${r.clients} connected, ${r.relays} of ${r.sent} relays arrived`}`,
      );
    }
  }
  if (cluster) {
    const l = cluster.latency;
    check(
      l.connected === cluster.clients && l.arrived === l.sent,
      `cluster: ${l.connected} of ${cluster.clients} connected, ${l.arrived} of ${l.sent} relays arrived`,
    );
    for (const k of ['one', 'twoSplit', 'twoRooms']) check(cluster[k].perSecond > 0, `cluster ${k}: no relays`);
  }
  return { checks, failures };
}
