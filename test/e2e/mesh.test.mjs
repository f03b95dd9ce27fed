// A mesh room with four pages: each sees the other three, and a page that leaves disappears.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, rtcErrors, startDemoServer, until } from './browsers.mjs';
import { LONG_TEST_MS, MESH_MS } from '../support/waits.mjs';

/** Four pages of two browsers, each with three remote videos showing frames. */
const FOUR_PAGES_MS = 60_000;

let demo;
let chromium;
before(async () => {
  demo = await startDemoServer();
  chromium = await launch('chromium');
});
after(async () => {
  await chromium?.close();
  await demo?.server.close();
});

const peerVideosWithFrames = (page) =>
  page.evaluate(
    () =>
      [...document.querySelectorAll('rtc-video[peer]')].filter((v) => {
        const video = v.shadowRoot?.querySelector('video');
        return video && video.videoWidth > 0;
      }).length,
  );

test(
  'mesh.html: four pages, three remote videos each; one leaves, three pages keep two',
  { timeout: LONG_TEST_MS },
  async () => {
    const url = `${demo.http}/mesh.html?room=mesh-${Math.random().toString(36).slice(2)}`;
    const pages = [];
    try {
      for (let i = 0; i < 4; i++) pages.push(await open(chromium, url));
      for (const page of pages)
        await until(async () => (await peerVideosWithFrames(page)) === 3, FOUR_PAGES_MS, 'three remote videos');
      for (const page of pages)
        assert.equal(await page.evaluate(() => document.querySelector('rtc-call').peers.length), 3);
      const leaving = pages.pop();
      await leaving.close();
      for (const page of pages) {
        await until(
          async () => (await page.evaluate(() => document.querySelectorAll('rtc-video[peer]').length)) === 2,
          MESH_MS,
          'the leaver’s video goes',
        );
        assert.equal(await peerVideosWithFrames(page), 2);
      }
      assert.deepEqual(
        pages.flatMap((p) => p.problems),
        [],
      );
      for (const page of pages) assert.deepEqual(await rtcErrors(page), [], 'no rtc-error');
    } finally {
      for (const page of pages) await page.close().catch(() => {});
    }
  },
);
