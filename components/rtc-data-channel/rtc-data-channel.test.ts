import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { DataChannelClosedError, createSignalerPair } from '../../src/index.js';
import { callPair, until } from '../test-helpers.js';
import { ARRIVE_MS, BULK_MS, CONNECT_MS, REATTACH_MS, sleep, waitFor } from '../../test/support/waits.mjs';
import { RtcDataChannel } from './rtc-data-channel.js';
import type { RtcCall } from '../rtc-call/rtc-call.js';
import { channelIdFor } from '../../src/channel-id.js';
import type { RtcEvent } from '../events.js';

const MiB = 1024 * 1024;

/** The next message `channel` gets, or `"closed"` if it closes first. */
const nextOrClose = (channel: RtcDataChannel) =>
  Promise.race([
    oneEvent(channel, 'rtc-message').then((e) => e.detail.data),
    oneEvent(channel, 'rtc-channel-close').then(() => 'closed'),
  ]);

const channels = (root: HTMLElement, label: string) =>
  [...root.querySelectorAll(`rtc-data-channel[label="${label}"]`)] as RtcDataChannel[];

describe('<rtc-data-channel>', () => {
  it('declared on both sides, it is one negotiated channel with the id of its label', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="chat"></rtc-data-channel>`);
    const [x, y] = channels(root, 'chat');
    await Promise.all([x.whenOpen(), y.whenOpen()]);
    expect([x.channel?.negotiated, x.channel?.id, y.channel?.id]).to.deep.equal([
      true,
      channelIdFor('chat'),
      channelIdFor('chat'),
    ]);
  });

  it('sends made before any connection exists wait, then text and bytes arrive in order', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="chat"></rtc-data-channel>`);
    const [x, y] = channels(root, 'chat');
    const got: unknown[] = [];
    y.addEventListener('rtc-message', (e) =>
      got.push(typeof e.detail.data === 'string' ? e.detail.data : [...e.detail.data]),
    );
    await Promise.all([x.send('hello'), x.send(new Uint8Array([1, 2, 3])), x.send('bye')]);
    await until(() => got.length === 3, ARRIVE_MS, 'three messages');
    expect(got).to.deep.equal(['hello', [1, 2, 3], 'bye']);
  });

  it('leaving the page fails the sends and receives still waiting (data-channel-closed, disconnected)', async () => {
    // A call with no peer: the channel never opens, so send() and receive() wait.
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-call .signaler=${createSignalerPair()[0]}><rtc-data-channel label="alone"></rtc-data-channel></rtc-call>
      </div>`,
    );
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
    const [, , root] = await callPair(
      html` <rtc-data-channel label="fast" ordered="false" max-retransmits="0" protocol="game"></rtc-data-channel>
        <rtc-data-channel label="timed" max-packet-life-time="500"></rtc-data-channel>`,
    );
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

  it('opens with the options set just after it joined its call', async () => {
    const [a, b] = await callPair();
    const [x, y] = [a, b].map((call) => {
      const channel = document.createElement('rtc-data-channel');
      call.append(channel);
      // Set in the same task as the append: plain scripts and some frameworks do it in this order.
      channel.label = 'late';
      channel.ordered = false;
      return channel;
    });
    const got = oneEvent(y, 'rtc-message');
    await x.send('hi');
    expect((await got).detail.data).to.equal('hi');
    expect(x.channel?.label).to.equal('late');
    expect(x.channel?.ordered).to.be.false;
    expect(x.channel?.id).to.equal(channelIdFor('late'));
  });

  it('changing an option of a channel in use is rtc-channel-error code config, reason after-start; the next connection has it', async () => {
    const [a, b, root] = await callPair(html`<rtc-data-channel label="fixed"></rtc-data-channel>`);
    const [x] = channels(root, 'fixed');
    await x.whenOpen();
    const said: string[] = [];
    x.addEventListener('rtc-channel-error', (e) => {
      said.push(`${e.detail.code} ${e.detail.error.reason}: ${e.detail.error.message}`);
    });
    x.maxRetransmits = 2;
    x.setAttribute('protocol', 'p2');
    await x.updateComplete;
    expect(said).to.deep.equal([
      'config after-start: Changing "max-retransmits" has no effect until the next connection',
      'config after-start: Changing "protocol" has no effect until the next connection',
    ]);
    expect(x.channel?.maxRetransmits).to.equal(null);
    expect(x.channel?.state).to.equal('open');
    // The peer leaves: the call waits for the next one, and the channel it opens for it has the new options.
    b.hangUp();
    await until(
      () => x.channel?.maxRetransmits === 2 && x.channel.protocol === 'p2',
      ARRIVE_MS,
      "the next connection's channel",
    );
    expect(a.state).to.not.equal('closed');
    expect(said).to.have.length(2);
  });

  it('moved into another call, it closes on the old one (both ends) and opens on the new one', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="mover"></rtc-data-channel>`);
    const [x, y] = channels(root, 'mover');
    await x.whenOpen();
    const [c, d] = await callPair();
    const w = document.createElement('rtc-data-channel');
    w.label = 'mover';
    d.append(w);
    const reasons: string[] = [];
    x.addEventListener('rtc-channel-close', (e) => reasons.push(e.detail.reason));
    c.append(x);
    await until(() => y.state === 'closed', ARRIVE_MS, "the old partner's channel closed");
    expect(reasons).to.deep.equal(['call-changed']);
    const got = oneEvent(w, 'rtc-message');
    await x.send('moved');
    expect((await got).detail.data).to.equal('moved');
  });

  it('fires open, then messages, then close when the call ends', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="order"></rtc-data-channel>`);
    const [x, y] = channels(root, 'order');
    const order: string[] = [];
    for (const type of ['rtc-open', 'rtc-message', 'rtc-channel-close'] as const)
      y.addEventListener(type, () => order.push(type));
    await x.send('one');
    await until(() => order.includes('rtc-message'), ARRIVE_MS, 'message');
    a.hangUp();
    await until(() => order.includes('rtc-channel-close'), ARRIVE_MS, 'close');
    expect(order).to.deep.equal(['rtc-open', 'rtc-message', 'rtc-channel-close']);
  });

  it('refers to a call by id from outside it', async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="ref"></rtc-data-channel>`);
    const outside = document.createElement('rtc-data-channel');
    outside.label = 'outside';
    outside.call = a.id;
    root.append(outside);
    const inside = root.querySelector('#b') as HTMLElement;
    const partner = document.createElement('rtc-data-channel');
    partner.label = 'outside';
    inside.append(partner);
    const arrived = oneEvent(partner, 'rtc-message');
    await outside.send('from outside');
    expect((await arrived).detail.data).to.equal('from outside');
  });

  it('sends made before the open arrive first and in order, with the bytes they had when sent', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="early"></rtc-data-channel>`);
    const [x, y] = channels(root, 'early');
    const got: unknown[] = [];
    y.addEventListener('rtc-message', (e) =>
      got.push(typeof e.detail.data === 'string' ? e.detail.data : [...e.detail.data]),
    );
    x.addEventListener('rtc-open', () => void x.send('3'), { once: true });
    expect(x.state).to.not.equal('open');
    const view = new Uint8Array([1, 2, 3, 4]);
    const sends = [x.send('1'), x.send(view)];
    // Wasm memory, say, reused once send() returned.
    view.fill(9);
    sends.push(x.send('2'));
    await Promise.all(sends);
    await until(() => got.length === 4, ARRIVE_MS, 'four messages');
    expect(got).to.deep.equal(['1', [1, 2, 3, 4], '2', '3']);
  });

  it("a channel that closes fires rtc-channel-close, which a listener for the call's rtc-close never hears", async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="own-close"></rtc-data-channel>`);
    const [x] = channels(root, 'own-close');
    await x.whenOpen();
    const callCloses: unknown[] = [];
    a.addEventListener('rtc-close', (e) => callCloses.push(e.detail));
    const closed = oneEvent(x, 'rtc-channel-close');
    x.close();
    expect([(await closed).detail.reason, callCloses]).to.deep.equal(['closed', []]);
  });

  it("a channel's failure fires rtc-channel-error, which a listener for the call's rtc-error never hears", async () => {
    const [a, , root] = await callPair(html`<rtc-data-channel label="own-error"></rtc-data-channel>`);
    const [x] = channels(root, 'own-error');
    await x.whenOpen();
    const callErrors: unknown[] = [];
    a.addEventListener('rtc-error', (e) => callErrors.push(e.detail));
    const failed = oneEvent(x, 'rtc-channel-error');
    x.protocol = 'changed';
    expect([(await failed).detail.code, callErrors]).to.deep.equal(['config', []]);
  });

  it('the other side closing its connection is rtc-channel-close, not rtc-channel-error', async () => {
    const [, b, root] = await callPair(html`<rtc-data-channel label="left"></rtc-data-channel>`);
    const [x] = channels(root, 'left');
    await x.whenOpen();
    const errors: string[] = [];
    x.addEventListener('rtc-channel-error', (e) => errors.push(e.detail.error.message));
    const closed = oneEvent(x, 'rtc-channel-close');
    // As between two browsers, its SCTP abort comes before its bye (Chromium: "User-Initiated Abort").
    b.connection!.native.close();
    await closed;
    expect(errors).to.deep.equal([]);
  });

  it('two labels with one derived id ("chat" and "ano": 427) are each told: rtc-channel-error reason id-collision', async () => {
    expect(channelIdFor('ano')).to.equal(channelIdFor('chat'));
    const told: Record<string, unknown[]> = { chat: [], ano: [] };
    const note = (e: RtcEvent<'rtc-channel-error'>) =>
      told[(e.target as RtcDataChannel).label].push(e.detail.error.reason);
    await callPair(
      html` <rtc-data-channel label="chat" @rtc-channel-error=${note}></rtc-data-channel>
        <rtc-data-channel label="ano" @rtc-channel-error=${note}></rtc-data-channel>`,
    );
    // On each side: the second to open is refused, and both hear why.
    await until(() => told.ano.length === 2, ARRIVE_MS, 'both "ano" elements told');
    expect(told).to.deep.equal({ chat: ['id-collision', 'id-collision'], ano: ['id-collision', 'id-collision'] });
  });

  it('in fragment mode, a message above receive-queue-bytes (16 MiB) is refused with message-too-big, and the channel goes on', async function () {
    this.timeout(BULK_MS);
    const [, , root] = await callPair(html`<rtc-data-channel label="big" fragment></rtc-data-channel>`);
    const [x, y] = channels(root, 'big');
    await x.whenOpen();
    const next = nextOrClose(y);
    const refused = await x.send(new Uint8Array(17 * MiB)).then(
      () => 'sent',
      (e) => e.reason,
    );
    // Not awaited: on a closed channel it would wait for the next one.
    void x.send('after').catch(() => {});
    expect([refused, await next]).to.deep.equal(['message-too-big', 'after']);
  });

  it('in fragment mode, with receive-queue-bytes raised on both sides, a 17 MiB message arrives whole', async function () {
    this.timeout(BULK_MS + ARRIVE_MS);
    const [, , root] = await callPair(
      html`<rtc-data-channel label="bigger" fragment receive-queue-bytes=${32 * MiB}></rtc-data-channel>`,
    );
    const [x, y] = channels(root, 'bigger');
    const message = new Uint8Array(17 * MiB).map((_, i) => i * 7);
    const arrived = nextOrClose(y);
    await x.send(message);
    const data = await arrived;
    expect(
      typeof data === 'string' ? data : [data.byteLength, data.every((byte: number, i: number) => byte === message[i])],
    ).to.deep.equal([17 * MiB, true]);
  });

  it('a plain message above what really arrives is refused with message-too-big naming that cap (Firefox↔Firefox: 8 MiB, not the 1 GiB it announces)', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="huge"></rtc-data-channel>`);
    const [x] = channels(root, 'huge');
    await x.whenOpen();
    const error = await x.send(new Uint8Array(12_000_000)).then(
      () => undefined,
      (e) => e,
    );
    const cap = Number(/at most (\d+) bytes/.exec(error?.message)?.[1]);
    expect([error?.reason, cap <= 8 * MiB]).to.deep.equal(['message-too-big', true]);
  });

  it('a plain message of exactly that cap arrives whole', async function () {
    this.timeout(BULK_MS);
    const [, , root] = await callPair(html`<rtc-data-channel label="at-cap"></rtc-data-channel>`);
    const [x, y] = channels(root, 'at-cap');
    await x.whenOpen();
    const error = await x.send(new Uint8Array(12_000_000)).then(
      () => undefined,
      (e) => e,
    );
    const cap = Number(/at most (\d+) bytes/.exec(error?.message)?.[1]);
    const arrived = oneEvent(y, 'rtc-message');
    await x.send(new Uint8Array(cap).fill(5));
    const data = (await arrived).detail.data as Uint8Array;
    expect([data.byteLength, data.every((byte) => byte === 5)]).to.deep.equal([cap, true]);
  });
});

describe('<rtc-data-channel> close()', () => {
  /** Two calls with a "kept" channel each, open; `b` will leave and come back. */
  async function openPair() {
    const [a, b, root] = await callPair(
      html`<rtc-data-channel label="kept"></rtc-data-channel><rtc-data-channel label="other"></rtc-data-channel>`,
    );
    const [x, y] = channels(root, 'kept');
    await Promise.all([x.whenOpen(), y.whenOpen()]);
    return { a, b, root, x, y };
  }

  /** `b` leaves the page and comes back: the call's next connection, with its channels opened again. */
  async function nextConnection(a: RtcCall, b: RtcCall, root: HTMLElement) {
    const first = a.connection;
    b.remove();
    await sleep(REATTACH_MS);
    root.append(b);
    const [, other] = channels(root, 'other');
    await waitFor(
      () => a.connection !== first && other.state === 'open',
      CONNECT_MS,
      'the next connection, its other channel open',
    );
  }

  it('fires rtc-channel-close with reason closed on the other side too', async () => {
    const { x, y } = await openPair();
    const closed = oneEvent(y, 'rtc-channel-close');
    x.close();
    expect((await closed).detail.reason).to.equal('closed');
  });

  it("the call's next connection does not open it again", async () => {
    const { a, b, root, x } = await openPair();
    const closedChannel = x.channel;
    x.close();
    await nextConnection(a, b, root);
    expect([x.channel === closedChannel, x.state]).to.deep.equal([true, 'closed']);
  });

  it('send() after it rejects with DataChannelClosedError reason closed', async () => {
    const { x } = await openPair();
    x.close();
    const error = await x.send('late').catch((e: unknown) => e);
    expect([error instanceof DataChannelClosedError, (error as DataChannelClosedError).reason]).to.deep.equal([
      true,
      'closed',
    ]);
  });

  it('receive() and whenOpen() after it reject with DataChannelClosedError reason closed', async () => {
    const { x } = await openPair();
    x.close();
    const errors = await Promise.all([x.receive().catch((e: unknown) => e), x.whenOpen().catch((e: unknown) => e)]);
    expect(errors.map((e) => (e as DataChannelClosedError).reason)).to.deep.equal(['closed', 'closed']);
  });

  it('a send still waiting for the open rejects with reason closed', async () => {
    const [, , root] = await callPair(html`<rtc-data-channel label="never"></rtc-data-channel>`);
    const [x] = channels(root, 'never');
    const waiting = x.send('early').catch((e: unknown) => e);
    x.close();
    expect(((await waiting) as DataChannelClosedError).reason).to.equal('closed');
  });

  it('taken out of the page and put back, it opens again on the next connection', async () => {
    const { a, b, root, x } = await openPair();
    x.close();
    x.remove();
    await sleep(REATTACH_MS);
    a.prepend(x);
    await nextConnection(a, b, root);
    await waitFor(() => x.state === 'open', ARRIVE_MS, 'the channel open again');
  });
});

describe('<rtc-data-channel> options, set in any order', () => {
  /** A value other than the default for every option but `call`, on two channels (one limit each). */
  const first = { label: 'cfg-a', ordered: false, maxRetransmits: 3, protocol: 'p' };
  const second = { label: 'cfg-b', maxPacketLifeTime: 900, channelId: 900, files: true };
  const third = { label: 'cfg-c', fragment: true, receiveQueueBytes: 32 * MiB };
  let defined = 0;
  const errors: string[] = [];

  /** Two calls that last for a whole describe (a fixture is removed after each test); `after` removes them. */
  function lastingPair(): [RtcCall, HTMLElement] {
    const root = document.body.appendChild(document.createElement('div'));
    const [sa, sb] = createSignalerPair();
    const calls = [sa, sb].map((signaler) =>
      Object.assign(root.appendChild(document.createElement('rtc-call')), { signaler }),
    );
    return [calls[0], root];
  }

  /** Puts a channel element with `values` in each call, in one order; resolves with them. */
  const orders: Record<string, (calls: RtcCall[], values: object) => Promise<RtcDataChannel[]>> = {
    'set before the tag is defined': async (calls, values) => {
      const tag = `rtc-data-channel-later-${++defined}`;
      const elements = calls.map(
        (call) => call.appendChild(Object.assign(document.createElement(tag), values)) as RtcDataChannel,
      );
      customElements.define(tag, class extends RtcDataChannel {});
      return elements;
    },
    'set, then appended': async (calls, values) =>
      calls.map((call) => call.appendChild(Object.assign(document.createElement('rtc-data-channel'), values))),
    'appended, then set': async (calls, values) =>
      calls.map((call) => Object.assign(call.appendChild(document.createElement('rtc-data-channel')), values)),
    'appended, then set after updateComplete (its channel made, not yet open)': async (calls, values) => {
      await until(() => calls.every((call) => call.connection), ARRIVE_MS, 'the connections');
      const elements = calls.map((call) => call.appendChild(document.createElement('rtc-data-channel')));
      await Promise.all(elements.map((element) => element.updateComplete));
      expect(
        elements.map((element) => element.channel?.state),
        errors.join(),
      ).to.deep.equal(['connecting', 'connecting']);
      elements.forEach((element) => Object.assign(element, values));
      // The next element starts as "data" too: Firefox frees that id only once the replaced channel closed.
      await Promise.all(elements.map((element) => element.whenOpen()));
      return elements;
    },
  };

  for (const [order, put] of Object.entries(orders)) {
    describe(order, () => {
      let a: RtcCall;
      let x: RtcDataChannel;
      let y: RtcDataChannel;
      let z: RtcDataChannel;
      let v: RtcDataChannel;
      let w: RtcDataChannel;
      let root: HTMLElement;
      after(() => root.remove());
      before(async () => {
        errors.length = 0;
        [a, root] = lastingPair();
        root.addEventListener('rtc-channel-error', (e) => errors.push(e.detail.error.message));
        const calls = [...root.querySelectorAll('rtc-call')] as RtcCall[];
        [x, y] = await put(calls, first);
        [z] = await put(calls, second);
        [v, w] = await put(calls, third);
        await Promise.all([x, y, z, v, w].map((element) => element.whenOpen()));
      });

      it('label', () => expect(x.channel?.label).to.equal('cfg-a'));
      it('ordered', () => expect(x.channel?.ordered).to.equal(false));
      it('max-retransmits', () => expect(x.channel?.maxRetransmits).to.equal(3));
      it('protocol', () => expect(x.channel?.protocol).to.equal('p'));
      it('receive-queue-bytes', () => expect(v.channel?.receiveQueueBytes).to.equal(32 * MiB));
      it("fragment: a 9 MiB message (above any browser's one-message cap) arrives whole", async function () {
        this.timeout(BULK_MS);
        const arrived = nextOrClose(w);
        await v.send(new Uint8Array(9 * MiB));
        const data = await arrived;
        expect(typeof data === 'string' ? data : data.byteLength).to.equal(9 * MiB);
      });
      it('max-packet-life-time', () => expect(z.channel?.maxPacketLifeTime).to.equal(900));
      it('channel-id', () => expect(z.channel?.id).to.equal(900));
      it('files: the files channel is open', async () => {
        await until(
          () => a.connection!.dataChannels.some((c) => c.label === 'cfg-b:files' && c.state === 'open'),
          ARRIVE_MS,
          'cfg-b:files',
        );
      });
      it('no rtc-channel-error', () => expect(errors).to.deep.equal([]));
    });
  }

  describe('set while the channel is open', () => {
    let x: RtcDataChannel;
    let z: RtcDataChannel;
    let v: RtcDataChannel;
    let root: HTMLElement;
    after(() => root.remove());
    before(async () => {
      errors.length = 0;
      [, root] = lastingPair();
      const calls = [...root.querySelectorAll('rtc-call')] as RtcCall[];
      [x] = await orders['set, then appended'](calls, first);
      [z] = await orders['set, then appended'](calls, second);
      [v] = await orders['set, then appended'](calls, third);
      await Promise.all([x, z, v].map((element) => element.whenOpen()));
      root.addEventListener('rtc-channel-error', (e) =>
        errors.push(`${e.detail.code} ${e.detail.error.reason}: ${e.detail.error.message}`),
      );
      // Set and set back before the update: the channel's value again, so no change.
      x.ordered = true;
      x.ordered = false;
      Object.assign(x, { label: 'cfg-d', maxRetransmits: 4, protocol: 'q' });
      Object.assign(z, { maxPacketLifeTime: 800, channelId: 901, files: false });
      Object.assign(v, { fragment: false, receiveQueueBytes: MiB });
      await Promise.all([x.updateComplete, z.updateComplete, v.updateComplete]);
    });

    const said = (attribute: string) =>
      `config after-start: Changing "${attribute}" has no effect until the next connection`;
    for (const attribute of [
      'label',
      'max-retransmits',
      'protocol',
      'fragment',
      'receive-queue-bytes',
      'max-packet-life-time',
      'channel-id',
      'files',
    ]) {
      it(`${attribute} is rtc-channel-error config / after-start`, () => expect(errors).to.include(said(attribute)));
    }
    it('a value set back to what the channel read (ordered) is no change', () =>
      expect(errors).to.not.include(said('ordered')));
    it('the open channel keeps what it read', () =>
      expect([x.channel?.label, x.channel?.maxRetransmits, z.channel?.id]).to.deep.equal(['cfg-a', 3, 900]));
  });
});

describe('<rtc-data-channel call="…">, set in any order', () => {
  let made = 0;

  /**
   * Two channel elements outside the calls, each naming one call by its id in `ids`, in one order; resolves with them.
   */
  const orders: Record<string, (root: HTMLElement, ids: string[]) => Promise<RtcDataChannel[]>> = {
    'set before the tag is defined': async (root, ids) => {
      const tag = `rtc-data-channel-named-${made}`;
      const elements = ids.map(
        (call) =>
          root.appendChild(Object.assign(document.createElement(tag), { call, label: 'named' })) as RtcDataChannel,
      );
      customElements.define(tag, class extends RtcDataChannel {});
      return elements;
    },
    'set, then appended': async (root, ids) =>
      ids.map((call) =>
        root.appendChild(Object.assign(document.createElement('rtc-data-channel'), { call, label: 'named' })),
      ),
    'appended, then set': async (root, ids) =>
      ids.map((call) =>
        Object.assign(root.appendChild(Object.assign(document.createElement('rtc-data-channel'), { label: 'named' })), {
          call,
        }),
      ),
    'appended, then set after updateComplete (no call until then)': async (root, ids) => {
      const elements = ids.map(() =>
        root.appendChild(Object.assign(document.createElement('rtc-data-channel'), { label: 'named' })),
      );
      await Promise.all(elements.map((element) => element.updateComplete));
      expect(elements.map((element) => element.channel)).to.deep.equal([null, null]);
      elements.forEach((element, i) => {
        element.call = ids[i] as string;
      });
      return elements;
    },
  };

  for (const [order, put] of Object.entries(orders)) {
    it(`${order}: each opens on the call it names, and a message crosses`, async () => {
      const root = await fixture<HTMLElement>(html`<div></div>`);
      const ids = [`named-a-${++made}`, `named-b-${made}`];
      const calls = createSignalerPair().map((signaler, i) =>
        root.appendChild(Object.assign(document.createElement('rtc-call'), { id: ids[i], signaler })),
      );
      const [x, y] = (await put(root, ids)) as [RtcDataChannel, RtcDataChannel];
      const arrived = nextOrClose(y);
      await x.send('to the named call');
      expect(await arrived).to.equal('to the named call');
      expect([x, y].map((element, i) => calls[i]?.connection?.dataChannels.includes(element.channel!))).to.deep.equal([
        true,
        true,
      ]);
    });
  }
});
