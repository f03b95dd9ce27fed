// Two connected ends with an open data channel, raw and through an engine, and the time to get
// them: shared by bench/page.ts and the A/B page (bench/ab-page.ts), which passes another
// commit's engine as `engine`.
import type * as Engine from '../src/index.js';

export type EngineModule = Pick<typeof Engine, 'WebRtcClient' | 'SignalingSession' | 'createSignalerPair'>;

const now = () => performance.now();

export async function rawPair(): Promise<{
  a: RTCPeerConnection;
  b: RTCPeerConnection;
  dcA: RTCDataChannel;
  dcB: RTCDataChannel;
}> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => {
    if (e.candidate) void b.addIceCandidate(e.candidate);
  };
  b.onicecandidate = (e) => {
    if (e.candidate) void a.addIceCandidate(e.candidate);
  };
  const dcA = a.createDataChannel('bench');
  const dcBP = new Promise<RTCDataChannel>((resolve) => {
    b.ondatachannel = (e) => resolve(e.channel);
  });
  // setLocalDescription() makes the offer and the answer itself: in Chromium about 6 % faster to an
  // open channel than createOffer() then setLocalDescription(offer), so the stronger baseline.
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  const dcB = await dcBP;
  await Promise.all(
    [dcA, dcB].map((dc) =>
      dc.readyState === 'open' ? null : new Promise((r) => dc.addEventListener('open', r, { once: true })),
    ),
  );
  dcA.binaryType = dcB.binaryType = 'arraybuffer';
  return { a, b, dcA, dcB };
}

export async function enginePair(
  engine: EngineModule,
  client: Engine.WebRtcClient,
  highWaterMark?: number,
): Promise<{ local: Engine.WebRtcDataChannel; remote: Engine.WebRtcDataChannel }> {
  const [sa, sb] = engine.createSignalerPair();
  const a = new engine.SignalingSession(client.createPeerConnection(), sa, { polite: false });
  const b = new engine.SignalingSession(client.createPeerConnection(), sb, { polite: true });
  const local = a.connection.createDataChannel('bench', highWaterMark ? { highWaterMark } : {});
  const remoteP = new Promise<Engine.WebRtcDataChannel>((resolve) =>
    b.connection.addEventListener('datachannel', (e) => resolve((e as CustomEvent).detail.channel)),
  );
  a.start();
  b.start();
  const remote = await remoteP;
  await Promise.all([local.whenOpen(), remote.whenOpen()]);
  return { local, remote };
}

/** Milliseconds from nothing to an open channel on both ends, raw. */
export async function rawOpen(): Promise<number> {
  const start = now();
  const { a, b } = await rawPair();
  const ms = now() - start;
  a.close();
  b.close();
  return ms;
}

/** Milliseconds from `start()` to an open channel on both ends, through `engine`. */
export async function engineOpen(engine: EngineModule): Promise<number> {
  const client = new engine.WebRtcClient();
  const start = now();
  await enginePair(engine, client);
  const ms = now() - start;
  client.close();
  return ms;
}

/** Milliseconds for `count` small messages there and back, raw (the next goes when the last is back). */
export async function rawRoundTrips(count: number): Promise<number> {
  const { a, b, dcA, dcB } = await rawPair();
  dcB.onmessage = (e) => dcB.send(e.data);
  const start = now();
  for (let i = 0; i < count; i++) {
    const back = new Promise((r) => {
      dcA.onmessage = r;
    });
    dcA.send('ping');
    await back;
  }
  const ms = now() - start;
  a.close();
  b.close();
  return ms;
}

/** The same through `engine`'s pull API (`send`, `receive`), as a user would write it. */
export async function engineRoundTrips(engine: EngineModule, count: number): Promise<number> {
  const client = new engine.WebRtcClient();
  const { local, remote } = await enginePair(engine, client);
  void (async () => {
    for await (const message of remote) await remote.send(message);
  })();
  const start = now();
  for (let i = 0; i < count; i++) {
    await local.send('ping');
    await local.receive();
  }
  const ms = now() - start;
  client.close();
  return ms;
}
