// A Chromium page calls a Firefox page through coturn, relay only, with credentials from the
// reference server: video both ways, the pair in use is relay on both sides, and no error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalCoturn } from '../../dist/server/index.js';
import { launch, open, remoteFramesShown, rtcErrors, startDemoServer, until } from './browsers.mjs';
import { E2E_MS, LONG_TEST_MS, POLL_MS } from '../support/waits.mjs';

let coturn;
let server;
const browsers = {};
before(async () => {
  coturn = await startLocalCoturn();
  ({ server } = await startDemoServer({ turn: { secret: coturn.secret, urls: [coturn.url] } }));
  [browsers.chromium, browsers.firefox] = await Promise.all([launch('chromium'), launch('firefox')]);
});
after(async () => {
  await Promise.all(Object.values(browsers).map((b) => b?.close()));
  await server?.close();
  await coturn?.stop();
});

const http = () => server.url.replace(/^ws/, 'http');
const connectedAt = (page) =>
  page.evaluate(
    (pollMs) =>
      new Promise((resolve) => {
        const call = document.getElementById('call');
        const began = performance.now();
        const check = () =>
          call.state === 'connected' ? resolve(performance.now() - began) : setTimeout(check, pollMs);
        check();
      }),
    POLL_MS,
  );
/** The local candidate type of the pair in use, once the browser's statistics name one. */
async function pairType(page) {
  let type = null;
  await until(
    async () => {
      type = await page.evaluate(
        async () => (await document.getElementById('call').connection.getStatistics()).summary.localCandidateType,
      );
      return type !== null;
    },
    10000,
    'a selected candidate pair in the statistics',
  );
  return type;
}

/** Opens call.html in both browsers; resolves with the ms from the second page's load to connected there. */
async function call(policy) {
  const room = `turn-${policy}-${Math.random().toString(36).slice(2)}`;
  const a = await open(browsers.chromium, `${http()}/call.html?room=${room}&policy=${policy}`);
  const b = await open(browsers.firefox, `${http()}/call.html?room=${room}&policy=${policy}`);
  return { a, b, ms: await connectedAt(b) };
}

test(
  'call.html, Chromium and Firefox, relay only through coturn: video both ways, relay pairs, no error',
  { timeout: LONG_TEST_MS },
  async () => {
    // Interleaved rounds, so that the browsers' warm-up and the machine's load fall on both alike.
    const ms = { all: [], relay: [] };
    for (const policy of ['all', 'relay', 'all', 'relay']) {
      const { a, b, ms: took } = await call(policy);
      try {
        ms[policy].push(took);
        for (const page of [a, b]) await until(() => remoteFramesShown(page), E2E_MS, `frames (${policy})`);
        const expected = policy === 'relay' ? 'relay' : 'host';
        assert.deepEqual([await pairType(a), await pairType(b)], [expected, expected], policy);
        for (const page of [a, b]) assert.deepEqual([...page.problems, ...(await rtcErrors(page))], [], policy);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
    const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
    console.log(
      `# time to connected, relay only ÷ direct: ${(mean(ms.relay) / mean(ms.all)).toFixed(2)} (${Math.round(mean(ms.relay))} ms / ${Math.round(mean(ms.all))} ms, mean of 2 interleaved rounds)`,
    );
  },
);
