import { expect, html } from '@open-wc/testing';
import { callPair, until } from '../test-helpers.js';
import type { RtcDataChannel } from './rtc-data-channel.js';
import { ARRIVE_MS, BULK_MS, LONG_TEST_MS } from '../../test/support/waits.mjs';

const MiB = 1024 * 1024;
const hex = (buffer: ArrayBuffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array) =>
  hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536)
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  return bytes;
}

async function pair(inner: ReturnType<typeof html>): Promise<[RtcDataChannel, RtcDataChannel]> {
  const [, , root] = await callPair(inner);
  const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
  await Promise.all([x.whenOpen(), y.whenOpen()]);
  return [x, y];
}

describe('data integrity through <rtc-data-channel>', function () {
  this.timeout(LONG_TEST_MS);

  it('64 MiB of random bytes arrive identical (SHA-256 on both ends)', async () => {
    const [x, y] = await pair(html`<rtc-data-channel label="bulk"></rtc-data-channel>`);
    const total = 64 * MiB;
    const chunk = 64 * 1024;
    const source = randomBytes(total);
    const sent = await sha256(source);
    const sink = new Uint8Array(total);
    let got = 0;
    let overrun = false;
    const done = new Promise<void>((resolve) =>
      y.addEventListener('rtc-message', (e) => {
        const data = e.detail.data as Uint8Array;
        if (got + data.byteLength > total) overrun = true;
        else sink.set(data, got);
        got += data.byteLength;
        if (got >= total) resolve();
      }),
    );
    for (let offset = 0; offset < total; offset += chunk) await x.send(source.subarray(offset, offset + chunk));
    await done;
    expect(overrun).to.be.false;
    expect(got).to.equal(total);
    expect(await sha256(sink)).to.equal(sent);
  });

  it('text from every Unicode plane arrives unchanged', async () => {
    const [x, y] = await pair(html`<rtc-data-channel label="unicode"></rtc-data-channel>`);
    // One character from each of the 17 planes (where assigned), plus combining marks, RTL, ZWJ emoji and NUL.
    const planes = [0x41, 0xe9, 0x4e2d, 0x1f600, 0x20bb7, 0x30000, 0xe0041, 0xf0000, 0x10fffd].concat(
      Array.from({ length: 17 }, (_, plane) => plane * 0x10000 + 0x100).filter((cp) => cp < 0xd800 || cp >= 0xe000),
    );
    const text = String.fromCodePoint(...planes) + ' e\u0301 \u05e9\u05dc\u05d5\u05dd 👩‍👩‍👧 \u0000 end';
    const received: string[] = [];
    y.addEventListener('rtc-message', (e) => received.push(e.detail.data as string));
    await x.send(text);
    await x.send(text.repeat(1000));
    await until(() => received.length === 2, ARRIVE_MS, 'two messages');
    expect(received[0]).to.equal(text);
    expect(received[1]).to.equal(text.repeat(1000));
    expect([...received[0]].length).to.equal([...text].length);
  });

  it('a message larger than maxMessageSize is split and rejoined in fragment mode, never truncated', async () => {
    const [x, y] = await pair(html`<rtc-data-channel label="big" fragment></rtc-data-channel>`);
    const binary = randomBytes(3 * MiB + 17);
    const text = '🙂'.repeat(300_000) + 'tail'; // 1.2 MB of UTF-8, surrogate pairs at every cut
    const received: Array<string | Uint8Array> = [];
    y.addEventListener('rtc-message', (e) => received.push(e.detail.data));
    await x.send(binary);
    await x.send('small');
    await x.send(text);
    await until(() => received.length === 3, BULK_MS, 'three whole messages');
    expect(await sha256(received[0] as Uint8Array)).to.equal(await sha256(binary));
    expect(received[1]).to.equal('small');
    expect(received[2]).to.equal(text);
  });
});
