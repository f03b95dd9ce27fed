// <rtc-call> as pages and frameworks drive it: settings in any order, leaving and coming back,
// a slow camera prompt, an unreachable server, values as frameworks pass them.
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { signalingServerUrl } from '../../test/browser/helpers.js';
import { ConfigError, SignalingSession, WebRtcClient, WebSocketSignaler, createSignalerPair } from '../../src/index.js';
import { callPair, until } from '../test-helpers.js';
import { AFTER_CONNECT_MS, CONNECT_MS, REATTACH_MS, sleep } from '../../test/support/waits.mjs';
import { RtcCall } from './rtc-call.js';

/** How late the fake camera answers: the user reading the permission prompt. */
const PROMPT_MS = 1500;
/** Several reconnect attempts of a signaler that retries every 50 to 100 ms. */
const RETRIES_MS = 1000;
const room = () => `life-${crypto.randomUUID()}`;

type Errors = string[];
/** Every rtc-error the call fires, as "code reason: message". */
function errorsOf(call: HTMLElement): Errors {
  const errors: Errors = [];
  call.addEventListener('rtc-error', (e) =>
    errors.push(`${e.detail.code} ${e.detail.error.reason}: ${e.detail.error.message}`),
  );
  return errors;
}

/** A setting of the call: what it needs besides, a value other than the default, and how to see it was used. */
interface Setting {
  name: string;
  /** What else the call needs to start (a signaler, or a signaling URL). */
  base(call: RtcCall, url: string): void;
  value(url: string): unknown;
  used(call: RtcCall, value: unknown): boolean;
}

const pairEnd = () => createSignalerPair()[0];
const withSignaler = (call: RtcCall) => {
  call.signaler = pairEnd();
};
const withServer = (call: RtcCall, url: string) => {
  call.signaling = url;
  call.room = room();
};
const wsOf = (call: RtcCall) => call.signalingSession?.signaler as WebSocketSignaler | undefined;

const SETTINGS: Setting[] = [
  {
    name: 'room',
    base: (call, url) => {
      call.signaling = url;
    },
    value: () => room(),
    used: (call, v) => wsOf(call)?.room === v,
  },
  {
    name: 'signaling',
    base: (call) => {
      call.room = room();
    },
    value: (url) => url,
    used: (call, v) => wsOf(call)?.url === v,
  },
  { name: 'token', base: withServer, value: () => 'a-token', used: (call) => wsOf(call)?.state === 'open' },
  {
    name: 'iceServers',
    base: withSignaler,
    value: () => [{ urls: 'stun:127.0.0.1:3478' }],
    used: (call) =>
      JSON.stringify(call.connection?.native.getConfiguration().iceServers ?? []).includes('stun:127.0.0.1:3478'),
  },
  {
    name: 'iceTransportPolicy',
    base: withSignaler,
    value: () => 'relay',
    used: (call) => call.connection?.native.getConfiguration().iceTransportPolicy === 'relay',
  },
  {
    name: 'mesh',
    base: withSignaler,
    value: () => true,
    used: (call) => call.connection === null && call.signalingSession === null,
  },
  { name: 'statsInterval', base: withSignaler, value: () => 50, used: () => true },
  {
    name: 'signaler',
    base: withSignaler,
    value: () => pairEnd(),
    used: (call, v) => call.signalingSession?.signaler === v,
  },
  {
    name: 'client',
    base: withSignaler,
    value: () => new WebRtcClient(),
    used: (call, v) => (v as WebRtcClient).openConnections.includes(call.connection!),
  },
];

/** Waits until the call has made what start() makes (a session, or the mesh), then hangs it up. */
async function settle(call: RtcCall, setting: Setting, value: unknown): Promise<boolean> {
  await call.start();
  if (setting.name === 'token' || setting.name === 'room' || setting.name === 'signaling') {
    await until(() => wsOf(call)?.state === 'open', CONNECT_MS, `${setting.name}: joined`);
  }
  const used = setting.used(call, value);
  call.hangUp();
  call.remove();
  if (value instanceof WebRtcClient) value.close();
  return used;
}

/** Runs `order` for every setting: the call must use the value and fire no error. */
async function eachSetting(
  order: (call: RtcCall, set: () => void) => Promise<void> | void,
  manual = true,
): Promise<void> {
  const url = await signalingServerUrl();
  const report: string[] = [];
  for (const setting of SETTINGS) {
    const call = document.createElement('rtc-call');
    call.manual = manual;
    const errors = errorsOf(call);
    setting.base(call, url);
    const value = setting.value(url);
    await order(call, () => {
      (call as unknown as Record<string, unknown>)[setting.name] = value;
    });
    await call.updateComplete;
    const used = await settle(call, setting, value);
    if (!used || errors.length > 0)
      report.push(`${setting.name}: ${used ? 'used' : 'NOT used'}; errors ${JSON.stringify(errors)}`);
  }
  expect(report, report.join('\n')).to.deep.equal([]);
}

describe('<rtc-call> settings in any order', () => {
  it('set before the tag is defined (the element upgrades later)', async () => {
    const url = await signalingServerUrl();
    const report: string[] = [];
    for (const [i, setting] of SETTINGS.entries()) {
      const tag = `rtc-call-late-${i}-${Math.random().toString(36).slice(2)}`;
      // Before its class is defined the element is a plain HTMLElement: these are plain properties.
      const early = document.createElement(tag) as unknown as RtcCall;
      setting.base(early, url);
      const value = setting.value(url);
      (early as unknown as Record<string, unknown>)[setting.name] = value;
      early.manual = true;
      document.body.append(early);
      customElements.define(tag, class extends RtcCall {});
      const call = early as unknown as RtcCall;
      const errors = errorsOf(call);
      await call.updateComplete;
      const used = await settle(call, setting, value);
      if (!used || errors.length > 0)
        report.push(`${setting.name}: ${used ? 'used' : 'NOT used'}; errors ${JSON.stringify(errors)}`);
    }
    expect(report, report.join('\n')).to.deep.equal([]);
  });

  it('set, then appended (starts by itself)', () =>
    eachSetting((call, set) => {
      set();
      document.body.append(call);
    }, false));

  it('appended, then set in the same task (starts by itself)', () =>
    eachSetting((call, set) => {
      document.body.append(call);
      set();
    }, false));

  it('set, then start() in the same task', () =>
    eachSetting((call, set) => {
      document.body.append(call);
      set();
      void call.start();
    }));

  it('start(), then set in the same task', () =>
    eachSetting((call, set) => {
      document.body.append(call);
      void call.start();
      set();
    }));

  it('set after await updateComplete, then start()', () =>
    eachSetting(async (call, set) => {
      document.body.append(call);
      await call.updateComplete;
      set();
    }));

  it('set to another value during the call: rtc-error code config, reason after-start, naming the attribute', async () => {
    const url = await signalingServerUrl();
    const said: string[] = [];
    for (const setting of SETTINGS) {
      const call = document.createElement('rtc-call');
      call.manual = true;
      setting.base(call, url);
      if (setting.name === 'signaling') call.signaling = url;
      document.body.append(call);
      await call.start();
      const errors = errorsOf(call);
      // The value it already has is no change.
      (call as unknown as Record<string, unknown>)[setting.name] = (call as unknown as Record<string, unknown>)[
        setting.name
      ];
      await call.updateComplete;
      (call as unknown as Record<string, unknown>)[setting.name] =
        setting.name === 'signaling' ? `${url}/elsewhere` : setting.value(url);
      await call.updateComplete;
      said.push(...errors);
      call.hangUp();
      call.remove();
      if (call.client) call.client.close();
    }
    const attribute = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    expect(said).to.deep.equal(
      SETTINGS.map((s) => `config after-start: Changing "${attribute(s.name)}" has no effect until the next start`),
    );
  });

  it('the demo order (room set, then start() in the same task) gives no error', async () => {
    const url = await signalingServerUrl();
    const call = await fixture<RtcCall>(html`<rtc-call manual signaling=${url}></rtc-call>`);
    const errors = errorsOf(call);
    call.room = room();
    await call.start();
    await call.updateComplete;
    await until(() => wsOf(call)?.state === 'open', CONNECT_MS, 'joined');
    expect(errors).to.deep.equal([]);
    call.hangUp();
  });
});

describe('<rtc-call> after the other side hangs up, through the reference server', () => {
  it('waits for the next peer with no error (it does not offer to the one leaving)', async () => {
    const url = await signalingServerUrl();
    const where = room();
    const a = await fixture<RtcCall>(
      html`<rtc-call signaling=${url} room=${where}><rtc-data-channel label="chat"></rtc-data-channel></rtc-call>`,
    );
    const b = await fixture<RtcCall>(
      html`<rtc-call signaling=${url} room=${where}><rtc-data-channel label="chat"></rtc-data-channel></rtc-call>`,
    );
    const aErrors = errorsOf(a);
    const bErrors = errorsOf(b);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    const closed = oneEvent(b, 'rtc-close');
    a.hangUp();
    await closed;
    await sleep(AFTER_CONNECT_MS);
    expect([...aErrors, ...bErrors]).to.deep.equal([]);
    expect(b.signalingSession?.remoteId).to.equal(undefined);
    b.hangUp();
  });
});

describe('<rtc-call> in a page that is still loading', () => {
  it('uses the room a later module script of the page sets (it starts once the page has loaded)', async () => {
    const url = await signalingServerUrl();
    const where = room();
    const frame = document.createElement('iframe');
    // A plain page: the bundle by a script tag, the call in the markup, its room from a later script.
    frame.srcdoc = `<script type="module" src="/dist/rtc-elements.js"></script>
      <rtc-call signaling="${url}"></rtc-call>
      <script type="module">
        window.errors = [];
        document.addEventListener('rtc-error', (e) => errors.push(e.detail.error.message));
        document.querySelector('rtc-call').room = ${JSON.stringify(where)};
      </script>`;
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    try {
      await loaded;
      const inner = frame.contentWindow as Window & { errors: string[] };
      const call = inner.document.querySelector('rtc-call') as RtcCall;
      await until(() => wsOf(call)?.state === 'open', CONNECT_MS, 'joined');
      expect(wsOf(call)!.room).to.equal(where);
      expect(inner.errors).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});

describe('<rtc-call> leaving the page and coming back', () => {
  it('a call put back a little later starts again and reconnects', async () => {
    const [a, b, root] = await callPair(html`<rtc-data-channel label="x"></rtc-data-channel>`);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected');
    const first = a.connection;
    a.remove();
    await sleep(REATTACH_MS);
    expect(a.state).to.equal('closed');
    root.append(a);
    await until(() => a.state === 'connected' && b.state === 'connected', CONNECT_MS, 'connected again');
    expect(a.connection !== first, 'a new connection').to.be.true;
    // Its channel element came back with it.
    const [x, y] = [a, b].map((call) => call.querySelector('rtc-data-channel')!);
    const arrived = oneEvent(y, 'rtc-message');
    await x.send('back');
    expect((await arrived).detail.data).to.equal('back');
  });

  it('a manual call put back does not start by itself', async () => {
    const [sa] = createSignalerPair();
    const call = await fixture<RtcCall>(html`<rtc-call manual .signaler=${sa}></rtc-call>`);
    const parent = call.parentElement!;
    await call.start();
    call.remove();
    await sleep(REATTACH_MS);
    parent.append(call);
    await sleep(REATTACH_MS);
    expect(call.state, 'as a new element').to.equal('new');
    expect(call.connection).to.equal(null);
  });

  it('a call hung up by the page stays hung up when a framework moves it', async () => {
    const [sa] = createSignalerPair();
    const call = await fixture<RtcCall>(html`<rtc-call .signaler=${sa}></rtc-call>`);
    await call.start();
    call.hangUp();
    call.parentElement!.append(call); // moved at once: not leaving the page
    await sleep(REATTACH_MS);
    expect(call.connection).to.equal(null);
  });
});

describe('<rtc-call> while the camera prompt is open', () => {
  it('answers an offer that came while the camera was being allowed (nothing from the signaler is lost)', async () => {
    const url = await signalingServerUrl();
    const where = room();
    // The other peer is in the room first, and offers as soon as it sees someone join.
    const other = new WebSocketSignaler(url, { room: where });
    await other.whenOpen();
    const client = new WebRtcClient();
    let session: SignalingSession | undefined;
    other.addEventListener(
      'peer-joined',
      (e) => {
        session = new SignalingSession(client.createPeerConnection(), other, {
          remoteId: e.detail.id,
          polite: false,
          iceRestart: false,
        });
        session.connection.createDataChannel('chat');
        session.start();
      },
      { once: true },
    );
    // The camera answers late, as one behind a permission prompt does.
    const slowCamera = new WebRtcClient({
      mediaDevices: {
        getUserMedia: async (constraints) => {
          await sleep(PROMPT_MS);
          return navigator.mediaDevices.getUserMedia(constraints);
        },
        enumerateDevices: () => navigator.mediaDevices.enumerateDevices(),
      },
    });
    const call = await fixture<RtcCall>(
      html`<rtc-call video signaling=${url} room=${where} .client=${slowCamera}></rtc-call>`,
    );
    const errors = errorsOf(call);
    try {
      await until(() => call.state === 'connected', CONNECT_MS, 'connected');
      await session!.connection.dataChannels[0]!.whenOpen();
      expect(errors).to.deep.equal([]);
    } finally {
      call.hangUp();
      other.close();
      client.close();
      slowCamera.close();
    }
  });
});

describe('<rtc-call> with a signaling server it cannot reach', () => {
  it('fires rtc-error code signaling at the first failed attempt, and rtc-reconnecting while it keeps trying', async () => {
    const call = document.createElement('rtc-call');
    call.signaling = 'ws://127.0.0.1:9/typo'; // nothing listens on port 9
    const error = oneEvent(call, 'rtc-error');
    const reconnecting = oneEvent(call, 'rtc-reconnecting');
    document.body.append(call);
    try {
      const { detail } = await error;
      expect(detail.code).to.equal('signaling');
      expect(detail.error.message).to.contain('ws://127.0.0.1:9/typo');
      expect((await reconnecting).detail.reason).to.equal('signaling');
      // It keeps trying: the signaler is not closed, and one outage is one error.
      const errors = errorsOf(call);
      await sleep(RETRIES_MS);
      expect((call.signalingSession?.signaler as WebSocketSignaler).state).to.equal('reconnecting');
      expect(errors).to.deep.equal([]);
    } finally {
      call.remove();
    }
  });
});

describe("<rtc-call> with a WebSocketSignaler of the page's own", () => {
  it('reports it unreachable as well, and hears nothing more from it after the hang-up', async () => {
    const given = new WebSocketSignaler('ws://127.0.0.1:9/', { reconnect: { minDelayMs: 50, maxDelayMs: 100 } });
    const call = document.createElement('rtc-call');
    call.signaler = given;
    const error = oneEvent(call, 'rtc-error');
    document.body.append(call);
    try {
      expect((await error).detail.error.reason).to.equal('unreachable');
      call.hangUp();
      const after = errorsOf(call);
      let reconnecting = 0;
      call.addEventListener('rtc-reconnecting', () => reconnecting++);
      await sleep(RETRIES_MS); // several more failed attempts of the signaler, which the page still owns
      expect(given.state).to.equal('reconnecting');
      expect([after, reconnecting]).to.deep.equal([[], 0]);
    } finally {
      given.close();
      call.remove();
    }
  });
});

describe('<rtc-call> properties as frameworks pass them', () => {
  it('iceServers takes an array', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual .signaler=${pairEnd()}></rtc-call>`);
    const errors = errorsOf(call);
    call.iceServers = [{ urls: ['stun:127.0.0.1:3478'] }];
    await call.start();
    expect(call.connection!.native.getConfiguration().iceServers?.[0]?.urls).to.deep.equal(['stun:127.0.0.1:3478']);
    expect(errors).to.deep.equal([]);
    call.hangUp();
  });

  it('an iceServers value that is not a list of servers is rtc-error code config', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call manual .signaler=${pairEnd()}></rtc-call>`);
    const failed = oneEvent(call, 'rtc-error');
    call.iceServers = [{ url: 'stun:127.0.0.1' }] as never;
    void call.start();
    const { detail } = await failed;
    expect(detail.error).to.be.instanceOf(ConfigError);
    expect(detail.code).to.equal('config');
    expect(detail.error.reason).to.equal('bad-config');
    call.hangUp();
  });
});
