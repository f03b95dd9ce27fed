// docs/PROTOCOL.md is enough to talk to <rtc-call>: a werift peer written from it alone
// (protocol-peer.mjs, no import of the project's code) calls <rtc-call> pages in Chromium and
// Firefox through the reference server, in both roles and whoever joins first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { launch, open, startDemoServer, until } from './browsers.mjs';
import { ProtocolPeer } from './protocol-peer.mjs';
import { PROCESS_TEST_MS, TEST_MS } from '../support/waits.mjs';

const CONNECT_MS = 20000;
const BIG = 100 * 1024;
// §4: ids are compared as strings: "-" sorts before any other id the server makes, "z"×64 after.
/**
 * Ids are the server's to give (12 base64url characters): the role is got by joining again until
 * the id sorts first ("-…", the lowest character) or last ("z…") against the page's (§4), or, once
 * the page's id is known, simply before or after it.
 */
const fitsRole = (role, pageId) => (id) =>
  pageId ? (role === 'polite' ? id > pageId : id < pageId) : id.startsWith(role === 'polite' ? 'z' : '-');

const PAGE = `<!doctype html><meta charset="utf-8"><title>werift peer</title>
<script type="module" src="/dist/rtc-elements.js"></script>
<script type="module">
  const params = new URLSearchParams(location.search);
  const log = (window.log = { texts: [], bytes: [], closes: [], open: false });
  const call = document.createElement('rtc-call');
  call.setAttribute('signaling', params.get('signaling'));
  call.setAttribute('room', params.get('room'));
  call.toggleAttribute('video', true);
  const channel = document.createElement('rtc-data-channel');
  channel.setAttribute('label', 'chat');
  channel.addEventListener('rtc-open', () => { log.open = true; });
  channel.addEventListener('rtc-message', (e) => {
    const data = e.detail.data;
    if (typeof data === 'string') log.texts.push(data);
    else log.bytes.push({ length: data.length, sum: data.reduce((a, b) => (a * 31 + b) >>> 0, 7) });
  });
  // Closes of the call that opened: a werift peer that joins and leaves at once (join() redraws an
  // id that does not fit the role) is found by presence and its leave closes that session too.
  call.addEventListener('rtc-close', (e) => { if (e.target === call && log.open) log.closes.push(e.detail.reason); });
  window.pattern = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 255);
  call.append(channel);
  document.body.append(call);
</script>`;

const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 255);
const checksum = (bytes) => bytes.reduce((a, b) => (a * 31 + b) >>> 0, 7);

let server;
let http;
const browsers = {};
before(async () => {
  ({ server, http } = await startDemoServer({ pages: { '/werift-peer.html': PAGE } }));
  [browsers.chromium, browsers.firefox] = await Promise.all([launch('chromium'), launch('firefox')]);
});
after(async () => {
  await Promise.all(Object.values(browsers).map((b) => b?.close()));
  await server?.close();
});

const newRoom = (name) => `${name}-${Math.random().toString(36).slice(2)}`;
const pageLog = (page) => page.evaluate(() => window.log);

async function openCall(browser, room) {
  return open(browser, `${http}/werift-peer.html?room=${room}&signaling=${encodeURIComponent(server.url)}`);
}

const cases = [];
for (const browser of ['chromium', 'firefox']) {
  for (const role of ['impolite', 'polite']) {
    for (const first of ['werift', 'page'])
      cases.push({ browser, role, first, end: cases.length % 2 === 0 ? 'bye' : 'leave' });
  }
}

for (const { browser, role, first, end } of cases) {
  test(
    `${browser}: a ${role} werift peer (${first} joins first) chats, moves 100 KiB both ways, gets video, and its ${end} ends the call`,
    { timeout: TEST_MS },
    async () => {
      const room = newRoom(`werift-${browser}`);
      const received = [];
      const newPeer = () => {
        const made = new ProtocolPeer(server.url, room);
        made.on('message', (data) => received.push(data));
        return { made, opened: once(made, 'open'), rtp: once(made, 'rtp') };
      };
      let { made: peer, opened, rtp } = newPeer();
      let page;
      const t0 = Date.now();
      // PEER_DEBUG=1 prints how long each step took.
      const mark = (what) => {
        if (process.env.PEER_DEBUG) console.error(`${Date.now() - t0} ms: ${what}`);
      };
      try {
        const pageId = () => page.evaluate(() => document.querySelector('rtc-call')?.signalingSession?.signaler.peerId);
        if (first === 'werift') {
          await peer.join(fitsRole(role));
          page = await openCall(browsers[browser], room);
          await until(async () => !!(await pageId()), CONNECT_MS, 'the page in the room');
          // One page in 64 draws the same first character: then a new werift peer joins, to fit.
          if (!fitsRole(role, await pageId())(peer.id)) {
            await peer.close();
            ({ made: peer, opened, rtp } = newPeer());
            await peer.join(fitsRole(role, await pageId()));
          }
        } else {
          page = await openCall(browsers[browser], room);
          await until(async () => !!(await pageId()), CONNECT_MS, 'the page in the room');
          await peer.join(fitsRole(role, await pageId()));
        }
        mark('joined');
        assert.equal(peer.serverProtocol, 1);
        await Promise.race([
          opened,
          new Promise((_, reject) => setTimeout(() => reject(new Error('the chat channel did not open')), CONNECT_MS)),
        ]);
        mark('open');
        assert.equal(peer.polite, role === 'polite');
        await until(async () => (await pageLog(page)).open, CONNECT_MS, 'the page channel open');

        peer.send('hello from werift');
        peer.send(pattern(BIG));
        await until(async () => (await pageLog(page)).bytes.length === 1, CONNECT_MS, '100 KiB on the page');
        mark('100 KiB on the page');
        const log = await pageLog(page);
        assert.deepEqual(log.texts, ['hello from werift']);
        assert.deepEqual(log.bytes, [{ length: BIG, sum: checksum(pattern(BIG)) }]);

        await page.evaluate(async (n) => {
          const channel = document.querySelector('rtc-data-channel');
          await channel.send('hello from the page');
          await channel.send(window.pattern(n));
        }, BIG);
        await until(() => received.length === 2, CONNECT_MS, '100 KiB at the werift peer');
        mark('100 KiB at werift');
        assert.equal(String(received[0]), 'hello from the page');
        assert.ok(Buffer.isBuffer(received[1]));
        assert.equal(received[1].length, BIG);
        assert.equal(checksum(received[1]), checksum(pattern(BIG)));

        await Promise.race([
          rtp,
          new Promise((_, reject) => setTimeout(() => reject(new Error('no video RTP')), CONNECT_MS)),
        ]);
        assert.ok(peer.rtpPackets > 0);
        mark('rtp');

        if (end === 'bye') {
          peer.bye('werift-done');
          await until(async () => (await pageLog(page)).closes.length > 0, CONNECT_MS, 'rtc-close on the page');
          assert.deepEqual((await pageLog(page)).closes, ['werift-done']);
        } else {
          peer.leave();
          await until(async () => (await pageLog(page)).closes.length > 0, CONNECT_MS, 'rtc-close on the page');
          assert.deepEqual((await pageLog(page)).closes, ['peer-left']);
        }
        mark('closed on the page');
        assert.deepEqual(page.problems, []);
      } finally {
        await page?.close();
        mark('page closed');
        await peer.close();
        mark('peer closed');
      }
    },
  );
}

for (const browser of ['chromium', 'firefox']) {
  test(
    `${browser}: a peer that advertises a 64 KiB max-message-size is refused a 100 KiB send with message-too-big (§9)`,
    { timeout: TEST_MS },
    async () => {
      const room = newRoom(`werift-small-${browser}`);
      const peer = new ProtocolPeer(server.url, room, { video: false, maxMessageSize: 64 * 1024 });
      let page;
      try {
        const opened = once(peer, 'open');
        await peer.join();
        page = await openCall(browsers[browser], room);
        await opened;
        await until(async () => (await pageLog(page)).open, CONNECT_MS, 'the page channel open');
        const refusal = await page.evaluate(
          (n) =>
            document
              .querySelector('rtc-data-channel')
              .send(new Uint8Array(n))
              .then(
                () => 'sent',
                (e) => e.reason,
              ),
          BIG,
        );
        assert.equal(refusal, 'message-too-big');
      } finally {
        await page?.close();
        await peer.close();
      }
    },
  );
}

test('a third peer in the room is ignored by a call in progress (§4)', { timeout: TEST_MS }, async () => {
  const room = newRoom('werift-third');
  const peer = new ProtocolPeer(server.url, room, { video: false });
  const third = new ProtocolPeer(server.url, room, { video: false });
  let page;
  try {
    const opened = once(peer, 'open');
    await peer.join();
    page = await openCall(browsers.chromium, room);
    await opened;
    await until(async () => (await pageLog(page)).open, CONNECT_MS, 'the page channel open');
    await third.join(); // its hello reaches the page and the first peer: both ignore it
    third.signal({ type: 'description', description: { type: 'offer', sdp: 'v=0\r\n' } });
    peer.send('still here');
    await until(
      async () => (await pageLog(page)).texts.length === 1,
      CONNECT_MS,
      'the message after the third peer came',
    );
    assert.equal(third.remoteId, undefined, 'nobody answered the third peer');
    assert.deepEqual((await pageLog(page)).closes, []);
    assert.deepEqual(page.problems, []);
  } finally {
    await page?.close();
    await peer.close();
    await third.close();
  }
});

test('a second werift peer joins a waiting werift peer, and they chat', { timeout: PROCESS_TEST_MS }, async () => {
  const room = newRoom('werift-pair');
  const waiting = new ProtocolPeer(server.url, room, { video: false });
  const joining = new ProtocolPeer(server.url, room, { video: false });
  try {
    await waiting.join();
    const opened = Promise.all([once(waiting, 'open'), once(joining, 'open')]);
    await joining.join();
    await opened;
    const heard = once(waiting, 'message');
    joining.send('hi');
    assert.equal(String((await heard)[0]), 'hi');
    const bye = once(waiting, 'bye');
    joining.bye('done');
    assert.equal((await bye)[0].reason, 'done');
  } finally {
    await waiting.close();
    await joining.close();
  }
});
