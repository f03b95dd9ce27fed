// The minified script-tag bundle's lazily loaded parts (WHIP/WHEP, file transfer) in a real page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, startDemoServer, until } from './browsers.mjs';
import { startWhipEndpoint } from '../support/whip-endpoint.mjs';

let demo;
let whip;
let chromium;
before(async () => {
  demo = await startDemoServer();
  whip = await startWhipEndpoint();
  chromium = await launch('chromium');
});
after(async () => { await chromium?.close(); await whip?.close(); await demo?.server.close(); });

test('bundle: whip+ publishes and whep+ plays through the media server', { timeout: 60000 }, async () => {
  const page = await open(chromium, `${demo.http}/index.html`);
  try {
    await page.evaluate(async (base, token) => {
      await import('/dist/rtc-elements.js');
      document.body.innerHTML = `
        <rtc-call signaling="whip+${base}/whip/bundle" token="${token}" video></rtc-call>
        <rtc-call id="play" signaling="whep+${base}/whep/bundle" token="${token}"><rtc-video remote></rtc-video></rtc-call>`;
    }, whip.base, whip.token);
    await until(() => page.evaluate(() => {
      const video = document.querySelector('#play rtc-video')?.shadowRoot?.querySelector('video');
      return !!video && video.videoWidth > 0 && video.currentTime > 0;
    }), 40000, 'WHEP frames from the bundle');
    assert.ok(whip.received().video > 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test('bundle: a file crosses <rtc-data-channel files> whole', { timeout: 60000 }, async () => {
  const page = await open(chromium, `${demo.http}/index.html`);
  try {
    const result = await page.evaluate(async () => {
      await import('/dist/rtc-elements.js');
      const room = `files-${crypto.randomUUID()}`;
      document.body.innerHTML = `<rtc-call signaling="/" room="${room}"><rtc-data-channel label="f" files></rtc-data-channel></rtc-call><rtc-call signaling="/" room="${room}"><rtc-data-channel label="f" files></rtc-data-channel></rtc-call>`;
      const [x, y] = document.querySelectorAll('rtc-data-channel');
      const bytes = crypto.getRandomValues(new Uint8Array(60000));
      const arriving = new Promise((resolve) => y.addEventListener('rtc-file', (e) => resolve(e.detail.file), { once: true }));
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
