import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { createSignalerPair } from '../../src/index.js';
import { callPair, until } from '../test-helpers.js';
import type { RtcDataChannel } from './rtc-data-channel.js';
import { channelIdFor } from './channel-id.js';

const channels = (root: HTMLElement, label: string) =>
  [...root.querySelectorAll(`rtc-data-channel[label="${label}"]`)] as RtcDataChannel[];

describe('<rtc-data-channel>', () => {
  it('is one channel when declared on both sides; send before open waits; text and bytes arrive in order', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="chat"></rtc-data-channel>`);
    const [x, y] = channels(root, 'chat');
    const got: unknown[] = [];
    y.addEventListener('rtc-message', (e) => got.push(e.detail.data));
    const opened = oneEvent(x, 'rtc-open');
    // Sent at once, before any connection exists: it waits.
    const sends = [x.send('hello'), x.send(new Uint8Array([1, 2, 3])), x.send('bye')];
    await opened;
    await Promise.all(sends);
    await until(() => got.length === 3, 10000, 'three messages');
    expect(got[0]).to.equal('hello');
    expect([...(got[1] as Uint8Array)]).to.deep.equal([1, 2, 3]);
    expect(got[2]).to.equal('bye');
    expect(x.channel?.id).to.equal(channelIdFor('chat'));
    expect(x.channel?.negotiated).to.be.true;
    expect(y.channel?.id).to.equal(x.channel?.id);
  });

  it('leaving the page fails the sends and receives still waiting (data-channel-closed, disconnected)', async () => {
    // A call with no peer: the channel never opens, so send() and receive() wait.
    const root = await fixture<HTMLElement>(html`<div><rtc-call .signaler=${createSignalerPair()[0]}><rtc-data-channel label="alone"></rtc-data-channel></rtc-call></div>`);
    const channel = root.querySelector('rtc-data-channel') as RtcDataChannel;
    const waiting = [channel.send('never sent'), channel.receive(), channel.whenOpen()];
    root.remove();
    const outcomes = await Promise.allSettled(waiting);
    for (const outcome of outcomes) {
      expect(outcome.status).to.equal('rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      expect(error.code).to.equal('data-channel-closed');
      expect(error.reason).to.equal('disconnected');
    }
  });

  it('receive() resolves with the next message', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="pull"></rtc-data-channel>`);
    const [x, y] = channels(root, 'pull');
    const next = y.receive();
    await x.send('pulled');
    expect(await next).to.equal('pulled');
  });

  it('passes its options to the channel', async () => {
    const [, , root] = await callPair(html`
      <rtc-data-channel label="fast" ordered="false" max-retransmits="0" protocol="game"></rtc-data-channel>
      <rtc-data-channel label="timed" max-packet-life-time="500"></rtc-data-channel>`);
    const [fast] = channels(root, 'fast');
    const [timed] = channels(root, 'timed');
    await fast.whenOpen();
    await timed.whenOpen();
    expect(fast.channel?.ordered).to.be.false;
    expect(fast.channel?.maxRetransmits).to.equal(0);
    expect(fast.channel?.protocol).to.equal('game');
    expect(timed.channel?.ordered).to.be.true;
    expect(timed.channel?.maxPacketLifeTime).to.equal(500);
    // What is not set stays unset (not 0): a channel may have only one of the two limits.
    expect(timed.channel?.maxRetransmits).to.equal(null);
    expect(fast.channel?.maxPacketLifeTime).to.equal(null);
  });

  it('fires open, then messages, then close when the call ends', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="order"></rtc-data-channel>`);
    const [x, y] = channels(root, 'order');
    const order: string[] = [];
    for (const type of ['rtc-open', 'rtc-message', 'rtc-close'] as const) y.addEventListener(type, () => order.push(type));
    await x.send('one');
    await until(() => order.includes('rtc-message'), 10000, 'message');
    a.hangUp();
    await until(() => order.includes('rtc-close'), 10000, 'close');
    expect(order).to.deep.equal(['rtc-open', 'rtc-message', 'rtc-close']);
  });

  it('refers to a call by id from outside it', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="ref"></rtc-data-channel>`);
    const outside = document.createElement('rtc-data-channel');
    outside.label = 'outside';
    outside.call = a.id;
    root.append(outside);
    const inside = (root.querySelector('#b') as HTMLElement);
    const partner = document.createElement('rtc-data-channel');
    partner.label = 'outside';
    inside.append(partner);
    const arrived = oneEvent(partner, 'rtc-message');
    await outside.send('from outside');
    expect((await arrived).detail.data).to.equal('from outside');
  });
});
