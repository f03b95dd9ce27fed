// Every browser test runs in real Chromium and real Firefox, with real peer connections on loopback.
import { chromeLauncher } from '@web/test-runner-chrome';
import { puppeteerLauncher } from '@web/test-runner-puppeteer';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { startLocalCoturn, startSignalingServer } from './dist/server/index.js';
import { startWhipEndpoint } from './test/support/whip-endpoint.mjs';
import { startJanus } from './test/support/janus.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_PATH, FIREFOX_PREFS } from './test/support/browser-options.mjs';

/** A WHIP/WHEP endpoint backed by werift: `/__whip.json` gives its URL and token, `/__whip/log` its requests. */
function whipEndpoint() {
  let endpoint;
  return {
    name: 'whip-endpoint',
    async serverStart() {
      endpoint = await startWhipEndpoint();
    },
    async serverStop() {
      await endpoint?.close();
    },
    serve(context) {
      if (context.path === '/__whip.json')
        return { body: JSON.stringify({ base: endpoint.base, token: endpoint.token }), type: 'json' };
      if (context.path === '/__whip/log')
        return { body: JSON.stringify({ log: endpoint.log, received: endpoint.received() }), type: 'json' };
    },
  };
}

/**
 * The reference signaling server for browser tests, on 127.0.0.1. Tests fetch
 * `/__signaling.json` for its URL. The outage test gets a server of its own per browser (the two
 * browsers run at once, and an outage of the shared one would break the other's tests):
 * `/__signaling/restartable.json?key=K` gives its URL, `/__signaling/restart?key=K&downMs=` stops
 * it and starts it again on the same port after `downMs`.
 */
function signalingServer() {
  let server;
  const restartable = new Map();
  const start = (port) => startSignalingServer({ port, maxRoomSize: 8 });
  return {
    name: 'signaling-server',
    async serverStart() {
      server = await start(0);
    },
    async serverStop() {
      await server?.close();
      await Promise.all([...restartable.values()].map((entry) => entry.server?.close()));
    },
    async serve(context) {
      if (context.path === '/__signaling.json') {
        return { body: JSON.stringify({ url: server.url }), type: 'json' };
      }
      const key = context.URL.searchParams.get('key') ?? 'default';
      if (context.path === '/__signaling/restartable.json') {
        if (!restartable.has(key)) {
          const own = await start(0);
          restartable.set(key, { server: own, port: own.port });
        }
        return { body: JSON.stringify({ url: `ws://127.0.0.1:${restartable.get(key).port}` }), type: 'json' };
      }
      if (context.path === '/__signaling/restart') {
        const entry = restartable.get(key);
        if (!entry) return { status: 404, body: '{"error":"no such server"}', type: 'json' };
        const downMs = Math.min(10000, Number(context.URL.searchParams.get('downMs') ?? 500));
        await entry.server.close();
        entry.server = undefined;
        setTimeout(async () => {
          entry.server = await start(entry.port);
        }, downMs);
        return { body: '{"ok":true}', type: 'json' };
      }
    },
  };
}

/**
 * coturn on 127.0.0.1 and three signaling servers that hand out its credentials: good ones, ones
 * that expire in `SHORT_TTL_S` seconds, and ones signed with the wrong secret. `/__turn.json`
 * gives their URLs (never the secret) and coturn's own URL.
 */
const SHORT_TTL_S = 3;
function turnServers() {
  let coturn;
  const servers = {};
  return {
    name: 'turn-servers',
    async serverStart() {
      coturn = await startLocalCoturn();
      const urls = [coturn.url];
      servers.good = await startSignalingServer({ port: 0, maxRoomSize: 8, turn: { secret: coturn.secret, urls } });
      servers.shortLived = await startSignalingServer({
        port: 0,
        maxRoomSize: 8,
        turn: { secret: coturn.secret, urls, ttlSeconds: SHORT_TTL_S },
      });
      servers.wrongSecret = await startSignalingServer({
        port: 0,
        maxRoomSize: 8,
        turn: { secret: `not-${coturn.secret}`, urls },
      });
    },
    async serverStop() {
      await Promise.all(Object.values(servers).map((server) => server.close()));
      await coturn?.stop();
    },
    serve(context) {
      if (context.path !== '/__turn.json') return undefined;
      const body = { turnUrl: coturn.url, ttlSeconds: SHORT_TTL_S };
      for (const [name, server] of Object.entries(servers)) body[name] = server.url;
      return { body: JSON.stringify(body), type: 'json' };
    },
  };
}

/** Janus (VideoRoom over WebSockets, ICE on loopback) from server/janus/: `/__janus.json` gives its URL. */
function janusServer() {
  let janus;
  return {
    name: 'janus',
    async serverStart() {
      janus = await startJanus();
    },
    async serverStop() {
      // JANUS_LOG=1: Janus's own log after the run, for debugging.
      if (process.env.JANUS_LOG) console.log(janus?.log());
      await janus?.stop();
    },
    serve(context) {
      if (context.path === '/__janus.json') return { body: JSON.stringify({ url: janus.url }), type: 'json' };
    },
  };
}

const chromium = chromeLauncher({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } });

const firefox = puppeteerLauncher({
  launchOptions: { browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, extraPrefsFirefox: FIREFOX_PREFS },
});

const only = process.env.BROWSERS?.split(',');

export default {
  files: ['test/browser/**/*.test.ts', 'components/**/*.test.ts'],
  nodeResolve: true,
  // One test file per browser at a time: two cores, and each file runs real connections and fake video.
  concurrency: 1,
  concurrentBrowsers: 2,
  browsers: [
    ...(!only || only.includes('chromium') ? [chromium] : []),
    ...(!only || only.includes('firefox') ? [firefox] : []),
  ],
  plugins: [
    signalingServer(),
    turnServers(),
    whipEndpoint(),
    janusServer(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
  ],
  // No retries: a test that passes only on its second try hides a bug.
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  browserStartTimeout: 60000,
};
