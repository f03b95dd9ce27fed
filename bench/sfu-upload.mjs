// Upload per participant as a room grows from 2 to 6, mesh against SFU (Janus), from getStats:
// `node bench/sfu-upload.mjs` after `npm run build`. Chromium pages, the script-tag bundle,
// video only; the rate is bytesSent over all of a page's connections across WINDOW_MS.
import { launch, open, startDemoServer, until } from '../test/e2e/browsers.mjs';
import { ROOM_PAGE, bytesSent, remoteVideos } from '../test/e2e/room-page.mjs';
import { startJanus } from '../test/support/janus.mjs';

const SIZES = (process.env.SIZES ?? '2,3,4,5,6').split(',').map(Number);
const WINDOW_MS = 8000;
/** After every video plays: encoders ramp up their bitrate for a few seconds. */
const WARMUP_MS = 6000;
const FILL_MS = 180000;

const janus = await startJanus();
const demo = await startDemoServer({ pages: { '/room.html': ROOM_PAGE } });
const browser = await launch('chromium');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rows = [];
try {
  for (const size of SIZES) {
    const row = { size };
    for (const mode of ['mesh', 'sfu']) {
      const url = `${demo.http}/room.html?mode=${mode}&room=${mode}-${size}-${Date.now()}&janus=${encodeURIComponent(janus.url)}`;
      const pages = [];
      try {
        for (let i = 0; i < size; i++) pages.push(await open(browser, url));
        await until(
          async () => (await Promise.all(pages.map(remoteVideos))).every((v) => v.playing === size - 1),
          FILL_MS,
          `${size - 1} playing videos in each page (${mode})`,
        );
        await sleep(WARMUP_MS);
        const before = await Promise.all(pages.map(bytesSent));
        await sleep(WINDOW_MS);
        const after = await Promise.all(pages.map(bytesSent));
        const rates = after.map((bytes, i) => ((bytes - before[i]) * 1000) / WINDOW_MS / 1000);
        row[mode] = rates.reduce((a, b) => a + b, 0) / rates.length;
      } catch (error) {
        row[mode] = NaN;
        console.error(`${mode} with ${size}: ${error.message}`);
      } finally {
        for (const page of pages) await page.close().catch(() => {});
      }
      console.log(`${mode} ${size}: ${row[mode].toFixed(1)} kB/s upload per participant`);
    }
    rows.push(row);
  }
} finally {
  await browser.close();
  await demo.server.close();
  await janus.stop();
}
console.log('\n| participants | mesh: upload per participant | SFU: upload per participant |\n|---|---|---|');
for (const { size, mesh, sfu } of rows) console.log(`| ${size} | ${mesh.toFixed(0)} kB/s | ${sfu.toFixed(0)} kB/s |`);
