// Six pages in one Janus VideoRoom, Chromium and Firefox mixed, through the script-tag bundle:
// each shows five remote videos with frames; one leaves and the others show four; a chat message
// reaches everyone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, rtcErrors, startDemoServer, until } from './browsers.mjs';
import { ROOM_PAGE, remoteVideos } from './room-page.mjs';
import { startJanus } from '../support/janus.mjs';

const PAGES = Number(process.env.PAGES ?? 6);
/** Six pages encoding and decoding video on two cores: the room takes a while to fill. */
const ROOM_MS = Number(process.env.ROOM_MS ?? 150000);

let janus;
let demo;
const browsers = {};
before(async () => {
  janus = await startJanus();
  demo = await startDemoServer({ pages: { '/room.html': ROOM_PAGE } });
  browsers.chromium = await launch('chromium');
  browsers.firefox = await launch('firefox');
});
after(async () => {
  await browsers.chromium?.close();
  await browsers.firefox?.close();
  await demo?.server.close();
  await janus?.stop();
});

test(
  `${PAGES} pages (Chromium and Firefox) in one SFU room: ${PAGES - 1} remote videos each; one leaves; chat reaches all`,
  { timeout: 300000 },
  async () => {
    const room = `sfu-${Math.random().toString(36).slice(2)}`;
    const url = `${demo.http}/room.html?mode=sfu&room=${room}&janus=${encodeURIComponent(janus.url)}`;
    const pages = [];
    try {
      for (let i = 0; i < PAGES; i++) pages.push(await open(browsers[i % 2 ? 'firefox' : 'chromium'], url));
      const full = async () =>
        (await Promise.all(pages.map(remoteVideos))).every((v) => v.shown === PAGES - 1 && v.playing === PAGES - 1);
      await until(full, ROOM_MS, `${PAGES - 1} playing remote videos`).catch(async (error) => {
        const errors = await Promise.all(pages.map(async (page) => [...page.problems, ...(await rtcErrors(page))]));
        // What Janus said last (its warnings: ICE, DTLS, hangups), without the mDNS names it cannot resolve.
        console.log(
          janus
            .log()
            .split('\n')
            .filter((line) => !line.includes('mDNS'))
            .slice(-40)
            .join('\n'),
        );
        throw new Error(
          `${error.message}: ${JSON.stringify(await Promise.all(pages.map(remoteVideos)))}; errors ${JSON.stringify(errors)}`,
        );
      });
      // Janus opens the sender's channel to each of the others with its first message.
      await pages[0].evaluate(() => document.querySelector('rtc-data-channel').send('hello, room'));
      const heard = () =>
        Promise.all(pages.slice(1).map((page) => page.evaluate(() => window.__messages.includes('hello, room'))));
      await until(async () => (await heard()).every(Boolean), 20000, 'the chat message').catch(async (error) => {
        throw new Error(
          `${error.message}: heard by ${JSON.stringify(await heard())} (pages 2 to ${PAGES}, odd ones Firefox)`,
        );
      });
      const leaving = pages.pop();
      await leaving.close();
      for (const page of pages) {
        await until(async () => (await remoteVideos(page)).shown === PAGES - 2, 30000, 'the leaver\u2019s video goes');
        assert.equal((await remoteVideos(page)).playing, PAGES - 2);
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
