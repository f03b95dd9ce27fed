// The demos, opened by real browsers through the real server: two pages call, chat, and a
// Chromium page calls a Firefox page. Screenshots go to test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ARTIFACTS, launch, open, remoteFramesShown, rtcErrors, startDemoServer, until } from './browsers.mjs';
import { ARRIVE_MS, CONNECT_MS, E2E_MS, LATE_ERROR_MS, TEST_MS, sleep } from '../support/waits.mjs';

/** A normal load, call and hang-up shows and logs no error on either page. */
async function noErrors(...pages) {
  const seen = [];
  for (const page of pages) seen.push(...page.problems, ...(await rtcErrors(page)));
  assert.deepEqual(seen, []);
}

/** Hangs up on the first page; the other page's side sees the close, and neither page an error. */
async function hangUpCleanly(a, b) {
  await a.evaluate(() => document.querySelector('rtc-call').hangUp());
  await until(
    () => b.evaluate(() => document.querySelector('rtc-call').connection?.state === 'new'),
    ARRIVE_MS,
    'the other side waits for the next peer',
  );
  await sleep(LATE_ERROR_MS);
  await noErrors(a, b);
}

let demo;
const browsers = {};
before(async () => {
  demo = await startDemoServer();
  [browsers.chromium, browsers.firefox] = await Promise.all([launch('chromium'), launch('firefox')]);
});
after(async () => {
  await Promise.all(Object.values(browsers).map((b) => b?.close()));
  await demo?.server.close();
});

const room = (name) => `${name}-${Math.random().toString(36).slice(2)}`;

for (const [first, second] of [
  ['chromium', 'chromium'],
  ['firefox', 'firefox'],
  ['chromium', 'firefox'],
]) {
  test(`call.html: ${first} and ${second} see each other's video`, { timeout: TEST_MS }, async () => {
    const url = `${demo.http}/call.html?room=${room('call')}`;
    const a = await open(browsers[first], url);
    const b = await open(browsers[second], url);
    try {
      await until(() => remoteFramesShown(a), E2E_MS, `frames on the ${first} page`);
      await until(() => remoteFramesShown(b), E2E_MS, `frames on the ${second} page`);
      assert.equal(await a.$eval('#state', (el) => el.textContent), 'connected');
      await a.bringToFront(); // a background tab cannot be captured
      await a.screenshot({ path: `${ARTIFACTS}/call-${first}-${second}.png` });
      // The camera button releases the camera and opens it again; the other page sees frames again.
      const cameras = () =>
        a.evaluate(
          () =>
            document
              .getElementById('call')
              .localStream.getVideoTracks()
              .filter((t) => t.readyState === 'live').length,
        );
      await a.click('#camera');
      await until(async () => (await cameras()) === 0, ARRIVE_MS, 'the camera released');
      await a.click('#camera');
      await until(async () => (await cameras()) === 1, ARRIVE_MS, 'the camera back');
      const time = await b.evaluate(() => document.querySelector('rtc-video[remote]').videoElement.currentTime);
      await until(
        async () =>
          (await b.evaluate(() => document.querySelector('rtc-video[remote]').videoElement.currentTime)) > time + 0.3,
        CONNECT_MS,
        'frames after the camera is back',
      );
      // Hang up: the other side shows that it waits for the next peer.
      await a.click('#hangup');
      await until(
        async () => (await b.$eval('#state', (el) => el.textContent)).endsWith('waiting for someone'),
        ARRIVE_MS,
        'waiting state',
      );
      assert.equal(await a.$eval('#state', (el) => el.textContent), 'hung up');
      await sleep(LATE_ERROR_MS);
      await noErrors(a, b);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('chat.html: two pages chat, and remote text is not rendered as HTML', { timeout: TEST_MS }, async () => {
  const url = `${demo.http}/chat.html?room=${room('chat')}`;
  const a = await open(browsers.chromium, url);
  const b = await open(browsers.firefox, url);
  try {
    await until(
      async () => (await a.$eval('#status', (el) => el.textContent)) === 'connected',
      E2E_MS,
      'chat connected',
    );
    const evil = '<img src=x onerror="window.pwned=1">hello';
    await a.type('#text', evil);
    await a.click('button[type=submit]');
    await until(async () => (await b.$$eval('#log li', (items) => items.length)) > 0, ARRIVE_MS, 'message shown');
    const shown = await b.$eval('#log li', (li) => ({
      text: li.textContent,
      images: li.querySelectorAll('img').length,
    }));
    assert.equal(shown.text, `them: ${evil}`);
    assert.equal(shown.images, 0);
    assert.equal(await b.evaluate(() => window.pwned), undefined);
    await b.type('#text', 'and back');
    await b.click('button[type=submit]');
    await until(async () => (await a.$$eval('#log li', (items) => items.length)) === 2, ARRIVE_MS, 'reply shown');
    await hangUpCleanly(a, b);
  } finally {
    await a.close();
    await b.close();
  }
});

test('script-tag.html: the plain HTML page calls with nothing but the script tag', { timeout: TEST_MS }, async () => {
  const a = await open(browsers.chromium, `${demo.http}/script-tag.html`);
  const b = await open(browsers.chromium, `${demo.http}/script-tag.html`);
  try {
    await until(() => remoteFramesShown(a), E2E_MS, 'frames');
    await until(() => remoteFramesShown(b), E2E_MS, 'frames');
    await hangUpCleanly(a, b);
  } finally {
    await a.close();
    await b.close();
  }
});

// The same app in each framework: it sets the elements' properties, listens to rtc-* events, shows video and chats.
for (const [page, framework, second] of [
  ['framework.html', 'React', 'chromium'],
  ['vue.html', 'Vue', 'firefox'],
  ['svelte.html', 'Svelte', 'firefox'],
]) {
  test(
    `${page}: the ${framework} app listens to rtc-* events and chats (chromium and ${second})`,
    { timeout: TEST_MS },
    async () => {
      const url = `${demo.http}/${page}?room=${room(framework)}`;
      const a = await open(browsers.chromium, url);
      const b = await open(browsers[second], url);
      try {
        await until(
          async () => (await a.$eval('output', (el) => el.textContent)) === 'connected',
          E2E_MS,
          `${framework} shows connected`,
        );
        await until(() => remoteFramesShown(b), E2E_MS, `frames in the ${framework} app`);
        await a.bringToFront(); // input goes to the front tab
        await a.type('#text', `from ${framework}`);
        await a.click('button[type=submit]');
        await until(
          async () =>
            (await b.$$eval('#log li', (items) => items.map((li) => li.textContent))).includes(
              `them: from ${framework}`,
            ),
          ARRIVE_MS,
          'message',
        );
        await hangUpCleanly(a, b);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );
}

test('wasm/: frames made in WebAssembly cross <rtc-data-channel> intact', { timeout: TEST_MS }, async () => {
  const a = await open(browsers.chromium, `${demo.http}/wasm/`);
  const b = await open(browsers.firefox, `${demo.http}/wasm/`);
  try {
    for (const page of [a, b]) {
      await until(
        async () => (await page.$eval('#stats', (el) => el.textContent)) === 'sent 100, received 100, corrupt 0',
        E2E_MS,
        'all frames',
      );
    }
    await hangUpCleanly(a, b);
  } finally {
    await a.close();
    await b.close();
  }
});
