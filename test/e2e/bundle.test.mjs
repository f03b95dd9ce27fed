// The minified script-tag bundle's lazily loaded parts (WHIP/WHEP, file transfer, statistics, fragment mode) in a real
// page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { launch, open, startDemoServer, until } from './browsers.mjs';
import { startWhipEndpoint } from '../support/whip-endpoint.mjs';
import { TEST_MS } from '../support/waits.mjs';

/** Frames played back through the werift media server. */
const WHEP_FRAMES_MS = 40_000;
/** Long enough for many stats ticks (the interval is 100 ms) to fail to load their part. */
const STATS_TICKS_MS = 1500;
/** How late the second page gets its fragment-mode file. */
const FRAGMENTS_LATE_MS = 2000;

let demo;
let whip;
let chromium;
before(async () => {
  demo = await startDemoServer();
  whip = await startWhipEndpoint();
  chromium = await launch('chromium');
});
after(async () => {
  await chromium?.close();
  await whip?.close();
  await demo?.server.close();
});

test('bundle: whip+ publishes and whep+ plays through the media server', { timeout: TEST_MS }, async () => {
  const page = await open(chromium, `${demo.http}/index.html`);
  try {
    await page.evaluate(
      async (base, token) => {
        await import('/dist/rtc-elements.js');
        document.body.innerHTML = `
        <rtc-call signaling="whip+${base}/whip/bundle" token="${token}" video></rtc-call>
        <rtc-call id="play" signaling="whep+${base}/whep/bundle" token="${token}"><rtc-video remote></rtc-video></rtc-call>`;
      },
      whip.base,
      whip.token,
    );
    await until(
      () =>
        page.evaluate(() => {
          const video = document.querySelector('#play rtc-video')?.shadowRoot?.querySelector('video');
          return !!video && video.videoWidth > 0 && video.currentTime > 0;
        }),
      WHEP_FRAMES_MS,
      'WHEP frames from the bundle',
    );
    assert.ok(whip.received().video > 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test('bundle: a file crosses <rtc-data-channel files> whole', { timeout: TEST_MS }, async () => {
  const page = await open(chromium, `${demo.http}/index.html`);
  try {
    const result = await page.evaluate(async () => {
      await import('/dist/rtc-elements.js');
      const room = `files-${crypto.randomUUID()}`;
      document.body.innerHTML = `<rtc-call signaling="/" room="${room}"><rtc-data-channel label="f" files></rtc-data-channel></rtc-call><rtc-call signaling="/" room="${room}"><rtc-data-channel label="f" files></rtc-data-channel></rtc-call>`;
      const [x, y] = document.querySelectorAll('rtc-data-channel');
      const bytes = crypto.getRandomValues(new Uint8Array(60000));
      const arriving = new Promise((resolve) =>
        y.addEventListener('rtc-file', (e) => resolve(e.detail.file), { once: true }),
      );
      await x.sendFile(new File([bytes, bytes, bytes], 'three.bin'));
      const file = await arriving;
      const got = new Uint8Array(await new Response(file.stream).arrayBuffer());
      return { name: file.name, size: got.length, same: got.slice(60000, 120000).every((v, i) => v === bytes[i]) };
    });
    assert.deepEqual(result, { name: 'three.bin', size: 180000, same: true });
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test('bundle: stats load on first use; rtc-stats reports a quality', { timeout: TEST_MS }, async () => {
  const page = await open(chromium, `${demo.http}/index.html`);
  try {
    const detail = await page.evaluate(async () => {
      await import('/dist/rtc-elements.js');
      const room = `stats-${crypto.randomUUID()}`;
      document.body.innerHTML = `<rtc-call signaling="/" room="${room}" stats-interval="200"><rtc-data-channel label="s"></rtc-data-channel></rtc-call><rtc-call signaling="/" room="${room}"><rtc-data-channel label="s"></rtc-data-channel></rtc-call>`;
      const e = await new Promise((resolve) =>
        document.querySelector('rtc-call').addEventListener('rtc-stats', resolve, { once: true }),
      );
      return {
        quality: e.detail.quality,
        local: e.detail.localCandidateType,
        entries: e.detail.statistics.entries.length,
      };
    });
    assert.match(detail.quality, /^(excellent|good|fair|poor|unknown)$/);
    assert.ok(detail.entries > 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test(
  'bundle: a denied camera is a MediaPermissionError; its mapping loads with the devices part',
  { timeout: TEST_MS },
  async () => {
    const page = await open(chromium, `${demo.http}/index.html`);
    try {
      const result = await page.evaluate(async () => {
        const { WebRtcClient } = await import('/dist/rtc-elements.js');
        const denied = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
        const client = new WebRtcClient({ mediaDevices: { getUserMedia: denied } });
        try {
          await client.createVideoTrack();
          return null;
        } catch (error) {
          return { name: error.name, code: error.code, reason: error.reason, message: error.message };
        } finally {
          client.close();
        }
      });
      assert.deepEqual(result, {
        name: 'MediaPermissionError',
        code: 'media-permission',
        reason: 'NotAllowedError',
        message: 'Access to the camera was denied: Permission denied',
      });
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  },
);

test(
  'bundle: a part that cannot load (rtc-elements.js copied alone) is a LoadError with code "load", reported once by stats-interval',
  { timeout: TEST_MS },
  async () => {
    mkdirSync('dist/alone', { recursive: true });
    copyFileSync('dist/rtc-elements.js', 'dist/alone/rtc-elements.js');
    const page = await open(chromium, `${demo.http}/index.html`);
    try {
      const result = await page.evaluate(async () => {
        const { WebRtcClient } = await import('/dist/alone/rtc-elements.js');
        const client = new WebRtcClient();
        try {
          await client.createPeerConnection().getStatistics();
          return null;
        } catch (error) {
          return { code: error.code, message: error.message };
        } finally {
          client.close();
        }
      });
      assert.equal(result?.code, 'load');
      assert.match(result.message, /statistics part did not load .*rtc-elements-\*\.js next to rtc-elements\.js/);
      // With stats-interval the call says so too: one rtc-error, not one per tick.
      const errors = await page.evaluate(async (ticksMs) => {
        const seen = [];
        document.body.innerHTML = `<rtc-call signaling="/" room="alone-${crypto.randomUUID()}" stats-interval="100"></rtc-call>`;
        const call = document.querySelector('rtc-call');
        call.addEventListener('rtc-error', (e) => seen.push(e.detail.error.code));
        await new Promise((resolve) => setTimeout(resolve, ticksMs));
        call.hangUp();
        return seen;
      }, STATS_TICKS_MS);
      assert.deepEqual(errors, ['load']);
      // Fragment mode without its file: the channel says why and closes; a send is refused, not lost.
      const fragment = await page.evaluate(async () => {
        const { WebRtcClient } = await import('/dist/alone/rtc-elements.js');
        const client = new WebRtcClient();
        try {
          const channel = client.createPeerConnection().createDataChannel('f', { fragment: true });
          const error = await new Promise((resolve) =>
            channel.addEventListener('error', (e) => resolve(e.detail.error), { once: true }),
          );
          const refused = await channel.send('x').then(
            () => null,
            (e) => e,
          );
          return {
            code: error.code,
            message: error.message,
            state: channel.state,
            refused: refused?.code,
            cause: refused?.cause?.code,
          };
        } finally {
          client.close();
        }
      });
      assert.match(fragment.message, /fragments part did not load/);
      assert.match(fragment.state, /^clos(ing|ed)$/);
      assert.deepEqual(
        { ...fragment, message: undefined, state: undefined },
        { code: 'load', message: undefined, state: undefined, refused: 'data-channel-closed', cause: 'load' },
      );
    } finally {
      await page.close();
      rmSync('dist/alone', { recursive: true, force: true });
    }
  },
);

test(
  'bundle: fragment mode loads on first use; messages and a close that arrive while it loads wait, in order',
  { timeout: TEST_MS },
  async () => {
    const [a, b] = [await open(chromium, `${demo.http}/index.html`), await open(chromium, `${demo.http}/index.html`)];
    try {
      // b gets its fragment code 2 s late: everything a sends meanwhile, and a's close, must wait for it.
      await b.setRequestInterception(true);
      b.on('request', (request) => {
        if (request.url().endsWith('/rtc-elements-fragments.js'))
          setTimeout(() => void request.continue(), FRAGMENTS_LATE_MS);
        else void request.continue();
      });
      const markup = `<rtc-call signaling="/" room="fragments-${crypto.randomUUID()}"><rtc-data-channel label="big" fragment></rtc-data-channel></rtc-call>`;
      const receiving = b.evaluate(async (markup) => {
        await import('/dist/rtc-elements.js');
        document.body.innerHTML = markup;
        const channel = document.querySelector('rtc-data-channel');
        const got = [];
        let firstAt = 0;
        channel.addEventListener('rtc-message', (e) => {
          firstAt ||= performance.timeOrigin + performance.now();
          got.push(typeof e.detail.data === 'string' ? e.detail.data : e.detail.data.length);
        });
        await new Promise((resolve) => channel.addEventListener('rtc-channel-close', resolve, { once: true }));
        return { got, firstAt };
      }, markup);
      const closedAt = await a.evaluate(async (markup) => {
        await import('/dist/rtc-elements.js');
        document.body.innerHTML = markup;
        const channel = document.querySelector('rtc-data-channel');
        await channel.send('first');
        await channel.send(new Uint8Array(700_000)); // above Chromium's 256 KiB maxMessageSize
        await channel.send('last');
        channel.close();
        return performance.timeOrigin + performance.now();
      }, markup);
      const { got, firstAt } = await receiving;
      assert.deepEqual(got, ['first', 700_000, 'last']);
      assert.ok(firstAt > closedAt, 'all of it, close included, arrived while b was loading its fragment code');
      assert.deepEqual([...a.problems, ...b.problems], []);
    } finally {
      await a.close();
      await b.close();
    }
  },
);
