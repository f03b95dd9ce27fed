// Faults and safety with real browsers through the real server: a page reloads, a page's browser
// dies without a word, and the bundle runs under a strict CSP with Trusted Types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, remoteFramesShown, rtcErrors, startDemoServer, until } from './browsers.mjs';
import { ARRIVE_MS, CONNECT_MS, E2E_MS, LONG_TEST_MS, TEST_MS } from '../support/waits.mjs';

/** A peer that died without a bye: the ICE timeout and the session's own ("timeout"), with margin. */
const DEAD_PEER_MS = 40_000;

let demo;
let chromium;
let firefox;
before(async () => {
  demo = await startDemoServer();
  [chromium, firefox] = await Promise.all([launch('chromium'), launch('firefox')]);
});
after(async () => {
  await Promise.all([chromium?.close(), firefox?.close()]);
  await demo?.server.close();
});

const room = (name) => `${name}-${Math.random().toString(36).slice(2)}`;
const peersSeen = (page) =>
  page.evaluate(() => document.querySelector('rtc-call').signalingSession?.signaler.peers.size);

test(
  'the remote page reloads: the call comes back in the same room, without ghost peers',
  { timeout: LONG_TEST_MS },
  async () => {
    const url = `${demo.http}/call.html?room=${room('reload')}`;
    const a = await open(chromium, url);
    const b = await open(firefox, url);
    try {
      await until(() => remoteFramesShown(a), E2E_MS, 'first call');
      await a.evaluate(() => {
        window.closes = [];
        document.querySelector('rtc-call').addEventListener('rtc-close', (e) => window.closes.push(e.detail.reason));
      });
      await b.reload();
      await until(async () => (await a.evaluate(() => window.closes.length)) > 0, CONNECT_MS, 'the old session closes');
      assert.deepEqual(await a.evaluate(() => window.closes), ['peer-left']);
      await until(() => remoteFramesShown(b), E2E_MS, 'frames on the reloaded page');
      await until(
        async () => (await a.$eval('#state', (el) => el.textContent)) === 'connected',
        E2E_MS,
        'connected again',
      );
      await until(() => remoteFramesShown(a), E2E_MS, 'frames again');
      assert.equal(await peersSeen(a), 1, 'one peer in the room, not two');
      assert.equal(await peersSeen(b), 1);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

test(
  'a Firefox peer hanging up, three times: the Chromium page gets rtc-channel-close and no rtc-channel-error',
  { timeout: LONG_TEST_MS },
  async () => {
    const url = `${demo.http}/chat.html?room=${room('hangup')}`;
    const a = await open(chromium, url);
    try {
      await a.evaluate(() => {
        window.said = [];
        const chat = document.querySelector('rtc-data-channel');
        for (const type of ['rtc-channel-close', 'rtc-channel-error'])
          chat.addEventListener(type, (e) => window.said.push(`${type}: ${e.detail.reason ?? e.detail.error.message}`));
      });
      for (let i = 1; i <= 3; i++) {
        const b = await open(firefox, url);
        try {
          await until(
            async () => (await a.$eval('#status', (el) => el.textContent)) === 'connected',
            E2E_MS,
            'chat connected',
          );
          await b.evaluate(() => document.querySelector('rtc-call').hangUp());
          await until(async () => (await a.evaluate(() => window.said.length)) >= i, CONNECT_MS, 'the channel closed');
        } finally {
          await b.close();
        }
      }
      // Chromium sees Firefox's closing connection as an SCTP abort ("User-Initiated Abort"): a close, not an error.
      assert.deepEqual(await a.evaluate(() => window.said.filter((s) => s.startsWith('rtc-channel-error'))), []);
    } finally {
      await a.close();
    }
  },
);

test(
  'the remote browser dies without bye: rtc-close with reason "timeout" in bounded time',
  { timeout: LONG_TEST_MS },
  async () => {
    const doomed = await launch('chromium');
    const url = `${demo.http}/call.html?room=${room('vanish')}`;
    const a = await open(chromium, url);
    await open(doomed, url);
    try {
      await until(() => remoteFramesShown(a), E2E_MS, 'call up');
      await a.evaluate(() => {
        window.closes = [];
        document.querySelector('rtc-call').addEventListener('rtc-close', (e) => window.closes.push(e.detail.reason));
      });
      const killedAt = Date.now();
      // The whole process group: the network service too, so that no socket is closed politely.
      const pid = doomed.process().pid;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        doomed.process().kill('SIGKILL');
      }
      await until(async () => (await a.evaluate(() => window.closes.length)) > 0, DEAD_PEER_MS, 'rtc-close');
      const seconds = (Date.now() - killedAt) / 1000;
      assert.deepEqual(await a.evaluate(() => window.closes), ['timeout']);
      console.log(`remote vanished: rtc-close "timeout" after ${seconds.toFixed(1)} s`);
      assert.ok(seconds < 30);
    } finally {
      await a.close();
      await doomed.close().catch(() => {});
    }
  },
);

for (const name of ['chromium', 'firefox']) {
  test(`${name}: the bundle works under a strict CSP and Trusted Types`, { timeout: TEST_MS }, async () => {
    const browser = name === 'chromium' ? chromium : firefox;
    const url = `${demo.http}/csp.html?room=${room('csp')}`;
    const a = await open(browser, url);
    const b = await open(browser, url);
    try {
      await until(() => remoteFramesShown(a), E2E_MS, 'frames under CSP');
      await b.bringToFront();
      await b.evaluate(() => document.querySelector('rtc-data-channel').send('<b>not bold</b>'));
      await until(async () => (await a.$$eval('#log li', (items) => items.length)) === 1, ARRIVE_MS, 'message');
      assert.equal(await a.$eval('#log li', (li) => li.innerHTML), '&lt;b&gt;not bold&lt;/b&gt;');
      for (const page of [a, b]) {
        assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no CSP violation');
        assert.deepEqual(page.problems, []);
        assert.deepEqual(await rtcErrors(page), [], 'no rtc-error');
      }
      if (name === 'chromium')
        assert.equal(
          await a.evaluate(() => typeof window.trustedTypes?.createPolicy),
          'function',
          'Trusted Types are enforced here',
        );
    } finally {
      await a.close();
      await b.close();
    }
  });
}
