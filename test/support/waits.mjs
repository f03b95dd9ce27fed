// The tests' waits, by name: how long something may take before a test calls it broken, and the
// pauses a scenario needs. Browser tests, Node tests and e2e tests share them, so a slower machine
// is answered here once, not in a hundred literals.

/** Something on this machine with no peer to wait for: an event, a prompt, a picker, a process's first line. */
export const LOCAL_MS = 5_000;
/** A message, a close or a channel crossing a loopback connection that is up. */
export const ARRIVE_MS = 10_000;
/** Two peers connecting over loopback: signaling, ICE, DTLS, SCTP. */
export const CONNECT_MS = 15_000;
/** Video frames of a new size reaching the other side (the encoder ramps up first). */
export const FRAMES_MS = 20_000;
/** Several peers of a mesh, or a browser and a Node peer, all connected. */
export const MESH_MS = 20_000;
/** Two browser pages (e2e) loaded, connected and showing frames, two browsers on shared cores. */
export const E2E_MS = 30_000;
/** A reply of a server on loopback (through Redis, in a cluster). */
export const REPLY_MS = 5_000;

/** Many MiB crossing a loopback channel (17 MiB in fragment mode: about 5 s in Firefox on two shared cores). */
export const BULK_MS = 45_000;

/** One test with a few connections (mocha's `this.timeout`, node:test's `timeout`). */
export const TEST_MS = 60_000;
/** One test that moves many MiB, runs many connections or restarts servers. */
export const LONG_TEST_MS = 120_000;
/** A Node test of one server on loopback. */
export const SERVER_TEST_MS = 20_000;
/** A Node test that starts processes or many peers: server processes, Redis, werift. */
export const PROCESS_TEST_MS = 40_000;
/** Packing, installing and type-checking the package. */
export const PACKAGE_TEST_MS = 180_000;

/** Room for what must not happen to happen, were it to: a few loopback round trips. */
export const QUIET_MS = 300;
/** Room for a connection's own after-connect activity (Firefox renegotiates about 1 s in). */
export const AFTER_CONNECT_MS = 2_500;
/** Room for a late error to show after a page is done. */
export const LATE_ERROR_MS = 500;
/** A loopback message and what it sets off: the server or the page has handled it. */
export const SETTLE_MS = 100;
/** A moment for the event loop: listeners, microtasks and loopback messages already sent run. */
export const TICK_MS = 50;
/** Longer than a call's reattach microtask: an element removed this long has left the page. */
export const REATTACH_MS = 50;
/** How often `waitFor` looks again. */
export const POLL_MS = 20;

/** Resolves after `ms`: only for the named pauses above, or a scenario's own named constant. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `predicate` holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(predicate, timeoutMs = CONNECT_MS, what = 'condition') {
  const start = performance.now();
  while (!(await predicate())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export function within(promise, timeoutMs, what = 'it') {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** What `promise` resolves to, or `fallback` after `timeoutMs`: for "did it happen in time?". */
export function orAfter(promise, timeoutMs, fallback = null) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
