// Faults and safety with real browsers through the real server: a page reloads, a page's browser
// dies without a word, and the bundle runs under a strict CSP with Trusted Types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, remoteFramesShown, rtcErrors, startDemoServer, until } from './browsers.mjs';

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
const peersSeen = (page) => page.evaluate(() => document.querySelector('rtc-call').signalingSession?.signaler.peers.size);

test('the remote page reloads: the call comes back in the same room, without ghost peers', { timeout: 90000 }, async () => {
  const url = `${demo.http}/call.html?room=${room('reload')}`;
  const a = await open(chromium, url);
  const b = await open(firefox, url);
  try {
    await until(() => remoteFramesShown(a), 30000, 'first call');
    await a.evaluate(() => { window.closes = []; document.querySelector('rtc-call').addEventListener('rtc-close', (e) => window.closes.push(e.detail.reason)); });
    await b.reload();
    await until(async () => (await a.evaluate(() => window.closes.length)) > 0, 15000, 'the old session closes');
    assert.deepEqual(await a.evaluate(() => window.closes), ['peer-left']);
    await until(() => remoteFramesShown(b), 30000, 'frames on the reloaded page');
    await until(async () => (await a.$eval('#state', (el) => el.textContent)) === 'connected', 30000, 'connected again');
    await until(() => remoteFramesShown(a), 30000, 'frames again');
    assert.equal(await peersSeen(a), 1, 'one peer in the room, not two');
    assert.equal(await peersSeen(b), 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a Firefox peer hanging up, three times: the Chromium page gets rtc-channel-close and no rtc-channel-error', { timeout: 120000 }, async () => {
  const url = `${demo.http}/chat.html?room=${room('hangup')}`;
  const a = await open(chromium, url);
  try {
    await a.evaluate(() => {
      window.said = [];
      const chat = document.querySelector('rtc-data-channel');
      for (const type of ['rtc-channel-close', 'rtc-channel-error']) chat.addEventListener(type, (e) => window.said.push(`${type}: ${e.detail.reason ?? e.detail.error.message}`));
    });
    for (let i = 1; i <= 3; i++) {
      const b = await open(firefox, url);
      try {
        await until(async () => (await a.$eval('#status', (el) => el.textContent)) === 'connected', 30000, 'chat connected');
        await b.evaluate(() => document.querySelector('rtc-call').hangUp());
        await until(async () => (await a.evaluate(() => window.said.length)) >= i, 15000, 'the channel closed');
      } finally {
        await b.close();
      }
    }
    // Before, Chromium took the SCTP abort of Firefox's closing connection for an error: "User-Initiated Abort".
    assert.deepEqual(await a.evaluate(() => window.said.filter((s) => s.startsWith('rtc-channel-error'))), []);
  } finally {
    await a.close();
  }
});

test('the remote browser dies without bye: rtc-close with reason "timeout" in bounded time', { timeout: 90000 }, async () => {
  const doomed = await launch('chromium');
  const url = `${demo.http}/call.html?room=${room('vanish')}`;
  const a = await open(chromium, url);
  await open(doomed, url);
  try {
    await until(() => remoteFramesShown(a), 30000, 'call up');
    await a.evaluate(() => { window.closes = []; document.querySelector('rtc-call').addEventListener('rtc-close', (e) => window.closes.push(e.detail.reason)); });
    const killedAt = Date.now();
    // The whole process group: the network service too, so that no socket is closed politely.
    const pid = doomed.process().pid;
    try { process.kill(-pid, 'SIGKILL'); } catch { doomed.process().kill('SIGKILL'); }
    await until(async () => (await a.evaluate(() => window.closes.length)) > 0, 40000, 'rtc-close');
    const seconds = (Date.now() - killedAt) / 1000;
    assert.deepEqual(await a.evaluate(() => window.closes), ['timeout']);
    console.log(`remote vanished: rtc-close "timeout" after ${seconds.toFixed(1)} s`);
    assert.ok(seconds < 30);
  } finally {
    await a.close();
    await doomed.close().catch(() => {});
  }
});

for (const name of ['chromium', 'firefox']) {
  test(`${name}: the bundle works under a strict CSP and Trusted Types`, { timeout: 60000 }, async () => {
    const browser = name === 'chromium' ? chromium : firefox;
    const url = `${demo.http}/csp.html?room=${room('csp')}`;
    const a = await open(browser, url);
    const b = await open(browser, url);
    try {
      await until(() => remoteFramesShown(a), 30000, 'frames under CSP');
      await b.bringToFront();
      await b.evaluate(() => document.querySelector('rtc-data-channel').send('<b>not bold</b>'));
      await until(async () => (await a.$$eval('#log li', (items) => items.length)) === 1, 10000, 'message');
      assert.equal(await a.$eval('#log li', (li) => li.innerHTML), '&lt;b&gt;not bold&lt;/b&gt;');
      for (const page of [a, b]) {
        assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no CSP violation');
        assert.deepEqual(page.problems, []);
        assert.deepEqual(await rtcErrors(page), [], 'no rtc-error');
      }
      if (name === 'chromium') assert.equal(await a.evaluate(() => typeof window.trustedTypes?.createPolicy), 'function', 'Trusted Types are enforced here');
    } finally {
      await a.close();
      await b.close();
    }
  });
}
