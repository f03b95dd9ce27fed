// Join to first frame: two pages of one browser, through the reference server (a WebSocket on
// 127.0.0.1) or a local PeerServer, each behind a relay that can hold every client → server
// message for DELAY_MS. Timed from the joining page's start to the last side that receives
// anything getting its first remote video frame (or its first channel message).
import { build } from 'esbuild';
import { startRelay } from './signal-relay.mjs';

export const CASES = {
  both: 'both send video',
  joiner: 'only the joining side sends',
  waiter: 'only the waiting side sends',
  data: 'data only',
};
export const CONTENDERS = ['raw', 'element', 'peerjs'];
export const DELAY_MS = 50;
/**
 * A join that has shown nothing after this long is a failed round (the page's own timer: a page never hangs the bench).
 */
const JOIN_TIMEOUT_MS = 20_000;
/** After the waiting side is in its room, before the other joins: its own hello and camera settle. */
const SETTLE_MS = 300;

export function buildJoinPage() {
  return build({
    entryPoints: ['bench/join.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: 'bench/.build/join.js',
    minify: true,
  });
}

/** Starts the two relays (reference server, PeerServer); `close()` ends them. */
export async function startRelays(signalingUrl, peerServerPort) {
  const ours = await startRelay(signalingUrl);
  const peer = await startRelay(`ws://127.0.0.1:${peerServerPort}`);
  return {
    ours,
    peer,
    set delayMs(ms) {
      ours.delayMs = peer.delayMs = ms;
    },
    close: () => Promise.all([ours.close(), peer.close()]),
  };
}

let trial = 0;

async function once(pages, relays, contender, kase, browser) {
  const [waiting, joining] = pages;
  const n = `${Date.now().toString(36)}${(trial++).toString(36)}`;
  const setup = {
    contender,
    case: kase,
    signaling: relays.ours.url,
    peerServer: { host: '127.0.0.1', port: Number(new URL(relays.peer.url).port), path: '/peerjs' },
    room: `join-${n}`,
    ids: { wait: `w${n}`, join: `j${n}` },
    browser,
    timeoutMs: JOIN_TIMEOUT_MS,
  };
  try {
    await waiting.evaluate((s) => globalThis.join.begin(s), { ...setup, role: 'wait' });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const waited = waiting.evaluate(() => globalThis.join.result());
    // Awaited below; if the joining side fails first, its rejection must not go unhandled.
    waited.catch(() => {});
    const start = await joining.evaluate((s) => globalThis.join.begin(s), { ...setup, role: 'join' });
    const joined = joining.evaluate(() => globalThis.join.result());
    // Both settle: neither rejection is left unhandled.
    const ends = await Promise.allSettled([waited, joined]);
    const failed = ends.find((e) => e.status === 'rejected');
    if (failed) throw failed.reason;
    return Math.max(...ends.map((e) => e.value).filter((t) => t !== null)) - start;
  } finally {
    await Promise.all(pages.map((p) => p.evaluate(() => globalThis.join.end()).catch(() => {})));
    // Let closed sockets and connections go before the next round.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Every contender in every case, without and with the delay, `rounds` rounds; the contenders'
 * order rotates from round to round. Returns times[case][delay][contender] = ms per round (null:
 * the round failed).
 */
export async function joinToFrame(browser, httpUrl, relays, { name, rounds, log = () => {} }) {
  const pages = [];
  for (let i = 0; i < 2; i++) {
    // A window each: a background tab is hidden, and a hidden page presents no video frames.
    const page = await browser.newPage({ type: 'window' });
    page.on('pageerror', (e) => log(`page ${i}: ${e.message}`));
    await page.goto(`${httpUrl}/bench/join.html`, { timeout: JOIN_TIMEOUT_MS });
    await page
      .waitForFunction(() => globalThis.joinReady === true, { timeout: JOIN_TIMEOUT_MS })
      .catch((e) => {
        throw new Error(`${name}: bench/join.html not ready in ${JOIN_TIMEOUT_MS / 1000} s (${e.message})`);
      });
    pages.push(page);
  }
  const times = {};
  const delays = [0, DELAY_MS];
  for (const kase of Object.keys(CASES)) {
    times[kase] = {};
    for (const delay of delays) times[kase][delay] = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  }
  try {
    // One warm-up join each (camera, first connection), not counted.
    relays.delayMs = 0;
    for (const c of CONTENDERS) await once(pages, relays, c, 'both', name).catch((e) => log(`warm-up: ${e.message}`));
    for (let i = 0; i < rounds; i++) {
      for (const kase of Object.keys(CASES)) {
        for (const delay of delays) {
          relays.delayMs = delay;
          for (let k = 0; k < CONTENDERS.length; k++) {
            const c = CONTENDERS[(k + i) % CONTENDERS.length];
            const ms = await once(pages, relays, c, kase, name).catch((e) => {
              log(e.message);
              return null;
            });
            times[kase][delay][c].push(ms);
          }
        }
      }
      log(`join round ${i + 1} of ${rounds} done`);
    }
  } finally {
    relays.delayMs = 0;
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
  }
  return times;
}
