// Calls through a real TURN relay (coturn on 127.0.0.1), with time-limited credentials that the
// reference server hands out: relay-only calls, renewal across an ICE restart, wrong credentials.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { until } from '../test-helpers.js';
import type { RtcCall } from './rtc-call.js';
import type { RtcDataChannel } from '../rtc-data-channel/rtc-data-channel.js';
import { CONNECT_MS, sleep } from '../../test/support/waits.mjs';

/**
 * How long a relay-only gathering may go without a relay candidate before the call says so (RELAY_GATHERING_MS, and
 * margin).
 */
const REPORT_MS = 12000;
/** Past the credentials' expiry by this much, so that they are expired for certain. */
const PAST_EXPIRY_MS = 1000;
const room = () => `turn-${crypto.randomUUID()}`;

interface TurnSetup {
  good: string;
  shortLived: string;
  wrongSecret: string;
  turnUrl: string;
  ttlSeconds: number;
}
const setup = async (): Promise<TurnSetup> => (await fetch('/__turn.json')).json();

/** Two relay-only calls in one room of `server`, each with a `chat` channel and a video of the other. */
async function relayPair(server: string, attrs = ''): Promise<[RtcCall, RtcCall]> {
  const where = room();
  const root = await fixture<HTMLElement>(
    html`<div>
      ${[0, 1].map(
        () =>
          html`<rtc-call
            signaling=${server}
            room=${where}
            ice-transport-policy="relay"
            ?video=${attrs.includes('video')}
            stats-interval="250"
          >
            <rtc-data-channel label="chat"></rtc-data-channel><rtc-video remote></rtc-video
          ></rtc-call>`,
      )}
    </div>`,
  );
  return [...root.querySelectorAll('rtc-call')] as [RtcCall, RtcCall];
}

/**
 * The candidate types of the pair in use, from the first rtc-stats that names one (right after an
 * ICE restart Firefox's statistics name no selected pair for a tick or two).
 */
async function pairInUse(call: RtcCall): Promise<string> {
  for (let tick = 0; tick < 20; tick++) {
    const { detail } = await oneEvent(call, 'rtc-stats');
    if (detail.localCandidateType !== null)
      return `${detail.localCandidateType}/${detail.remoteCandidateType} relayed=${detail.relayed}`;
  }
  return 'no pair named in 20 rtc-stats';
}

async function chatCrosses(a: RtcCall, b: RtcCall, text: string): Promise<void> {
  const [x, y] = [a, b].map((call) => call.querySelector('rtc-data-channel') as RtcDataChannel);
  const arrived = oneEvent(y, 'rtc-message');
  await x.send(text);
  expect((await arrived).detail.data).to.equal(text);
}

describe('<rtc-call> through a TURN relay', () => {
  it('relay-only calls connect with video and a channel, with credentials from the signaling server', async () => {
    const { good } = await setup();
    const [a, b] = await relayPair(good, 'video');
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected through the relay');
    await chatCrosses(a, b, 'relayed');
    const video = b.querySelector('rtc-video')!.videoElement!;
    await until(() => video.videoWidth > 0 && video.currentTime > 0, CONNECT_MS, 'frames through the relay');
  });

  it('rtc-stats reports the pair in use as relay', async () => {
    const { good } = await setup();
    const [a, b] = await relayPair(good);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    expect(await pairInUse(a)).to.equal('relay/relay relayed=true');
  });

  it('the page never sees the secret: the credentials are a username with an expiry and an HMAC', async () => {
    const { good, turnUrl } = await setup();
    const [a] = await relayPair(good);
    // The welcome brings them; the first gathering (the first offer) comes after it.
    await until(
      () => !!a.connection?.native.getConfiguration().iceServers?.length,
      CONNECT_MS,
      'ICE servers from the welcome',
    );
    const [server] = a.connection!.native.getConfiguration().iceServers ?? [];
    expect([server?.urls].flat()).to.deep.equal([turnUrl]);
    expect(String(server?.username)).to.match(/^\d{10}:[\w.:@-]+$/);
    expect(String(server?.credential)).to.match(/^[A-Za-z0-9+/]{27}=$/); // base64 of 20 bytes (HMAC-SHA1)
  });

  it('credentials that expire are renewed: an ICE restart after they expired reconnects through the relay', async () => {
    const { shortLived, ttlSeconds } = await setup();
    const [a, b] = await relayPair(shortLived);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    const first = a.connection!.native.getConfiguration().iceServers?.[0]?.username;
    await sleep(ttlSeconds * 1000 + PAST_EXPIRY_MS); // the first credentials are past their expiry
    expect(a.connection!.native.getConfiguration().iceServers?.[0]?.username, 'fresh credentials applied').to.not.equal(
      first,
    );
    const errors: string[] = [];
    a.addEventListener('rtc-error', (e) => errors.push(`${e.detail.code} ${e.detail.error.reason}`));
    const reconnected = oneEvent(a, 'rtc-reconnected');
    a.signalingSession!.restartIce('test');
    await reconnected;
    await chatCrosses(a, b, 'after the restart');
    expect(await pairInUse(a)).to.equal('relay/relay relayed=true');
    expect(errors).to.deep.equal([]);
  });

  it('an ICE restart whose TURN server does not answer is no rtc-error while the call stays connected', async () => {
    const { good } = await setup();
    const [a, b] = await relayPair(good);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    const errors: string[] = [];
    a.addEventListener('rtc-error', (e) => errors.push(`${e.detail.error.reason} while ${a.state}`));
    a.connection!.setIceServers([{ urls: 'turn:127.0.0.1:47999?transport=udp', username: 'u', credential: 'c' }]);
    a.signalingSession!.restartIce('test');
    await sleep(REPORT_MS);
    // Chromium keeps the old relay path; Firefox drops it once the restart has no candidate, and says so then.
    expect(errors.filter((error) => error.endsWith('while connected'))).to.deep.equal([]);
    if (a.state === 'connected') await chatCrosses(a, b, 'over the old relay path');
  });

  it('credentials signed with the wrong secret are rtc-error code ice, reason turn-unauthorized', async () => {
    const { wrongSecret } = await setup();
    const call = await fixture<RtcCall>(
      html`<rtc-call signaling=${wrongSecret} room=${room()} ice-transport-policy="relay">
        <rtc-data-channel label="chat"></rtc-data-channel
      ></rtc-call>`,
    );
    // Gathering starts with the first offer: a second peer makes one.
    const other = await fixture<RtcCall>(
      html`<rtc-call signaling=${wrongSecret} room=${call.room}
        ><rtc-data-channel label="chat"></rtc-data-channel
      ></rtc-call>`,
    );
    const { detail } = await oneEvent(call, 'rtc-error');
    expect(`${detail.code} ${detail.error.reason}`).to.equal('ice turn-unauthorized');
    other.hangUp();
  });

  it('relay-only with no TURN server reachable is rtc-error code ice, reason turn-unreachable, in bounded time', async () => {
    const servers = JSON.stringify([{ urls: 'turn:127.0.0.1:47999?transport=udp', username: 'u', credential: 'c' }]);
    const [sa, sb] = (await import('../../src/index.js')).createSignalerPair();
    const began = performance.now();
    const root = await fixture<HTMLElement>(
      html`<div>
        <rtc-call .signaler=${sa} ice-servers=${servers} ice-transport-policy="relay"
          ><rtc-data-channel label="chat"></rtc-data-channel
        ></rtc-call>
        <rtc-call .signaler=${sb}><rtc-data-channel label="chat"></rtc-data-channel></rtc-call>
      </div>`,
    );
    const call = root.querySelector('rtc-call')!;
    const said = await new Promise<string>((resolve, reject) => {
      call.addEventListener('rtc-error', (e) => resolve(`${e.detail.code} ${e.detail.error.reason}`), { once: true });
      setTimeout(() => reject(new Error('no rtc-error')), REPORT_MS);
    });
    expect(said).to.equal('ice turn-unreachable');
    expect(performance.now() - began).to.be.below(REPORT_MS);
  });

  it('an ice-transport-policy that is not "all" or "relay" is rtc-error code config', async () => {
    const [sa] = (await import('../../src/index.js')).createSignalerPair();
    const call = await fixture<RtcCall>(
      html`<rtc-call manual .signaler=${sa} ice-transport-policy="relays"></rtc-call>`,
    );
    const failed = oneEvent(call, 'rtc-error');
    void call.start();
    const { detail } = await failed;
    expect(`${detail.code} ${detail.error.reason}`).to.equal('config bad-config');
  });
});
