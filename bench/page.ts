// Benchmarks in the page: each function measures one implementation once and returns
// milliseconds (or bytes); bench/run.mjs repeats them, takes medians and computes ratios.
import { SignalingSession, WebRtcClient, createSignalerPair } from '../src/index.js';
import {
  enginePair,
  engineOpen as engineOpenWith,
  engineRoundTrips as engineRoundTripsWith,
  rawOpen,
  rawPair,
  rawRoundTrips,
} from './pairs.js';
import '../components/define.js';
import type { RtcDataChannel } from '../components/rtc-data-channel/rtc-data-channel.js';

declare const SimplePeer: any;
declare const peerjs: { Peer: any };

const MiB = 1024 * 1024;
const now = () => performance.now();
const payload = (size: number) => {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) b[i] = i & 255;
  return b;
};

// ---- raw RTCPeerConnection ----

function received(dc: { addEventListener: RTCDataChannel['addEventListener'] }, total: number): Promise<void> {
  let got = 0;
  return new Promise((resolve) =>
    dc.addEventListener('message', (e: MessageEvent) => {
      got += (e.data as ArrayBuffer).byteLength;
      if (got >= total) resolve();
    }),
  );
}

async function rawThroughput(totalBytes: number, chunk: number, highWater: number, low: number): Promise<number> {
  const { a, b, dcA, dcB } = await rawPair();
  const data = payload(chunk);
  dcA.bufferedAmountLowThreshold = low;
  const done = received(dcB, totalBytes);
  const start = now();
  for (let sent = 0; sent < totalBytes; sent += chunk) {
    // Never past the mark: with a 16 MiB mark Chromium's queue (16 MiB at most) would refuse the send.
    if (dcA.bufferedAmount + chunk > highWater)
      await new Promise((r) => dcA.addEventListener('bufferedamountlow', r, { once: true }));
    dcA.send(data);
  }
  await done;
  const ms = now() - start;
  a.close();
  b.close();
  return ms;
}

// ---- the engine ----

const engine = { WebRtcClient, SignalingSession, createSignalerPair };

async function engineThroughput(totalBytes: number, chunk: number, highWaterMark?: number): Promise<number> {
  const client = new WebRtcClient();
  const { local, remote } = await enginePair(engine, client, highWaterMark);
  const data = payload(chunk);
  // Received through the engine's own pull API, as a user would.
  const done = (async () => {
    let got = 0;
    for await (const message of remote) {
      got += (message as Uint8Array).byteLength;
      if (got >= totalBytes) return;
    }
  })();
  const start = now();
  for (let sent = 0; sent < totalBytes; sent += chunk) await local.send(data);
  await done;
  const ms = now() - start;
  client.close();
  return ms;
}

// ---- the element ----

async function elementThroughput(totalBytes: number, chunk: number): Promise<number> {
  const [sa, sb] = createSignalerPair();
  const root = document.createElement('div');
  root.innerHTML =
    '<rtc-call manual><rtc-data-channel label="bench"></rtc-data-channel></rtc-call><rtc-call manual><rtc-data-channel label="bench"></rtc-data-channel></rtc-call>';
  document.body.append(root);
  const [ca, cb] = [...root.querySelectorAll('rtc-call')];
  ca.signaler = sa;
  cb.signaler = sb;
  await Promise.all([ca.start(), cb.start()]);
  const [x, y] = [...root.querySelectorAll('rtc-data-channel')] as RtcDataChannel[];
  await Promise.all([x.whenOpen(), y.whenOpen()]);
  let got = 0;
  const done = new Promise<void>((resolve) =>
    y.addEventListener('rtc-message', (e) => {
      got += (e.detail.data as Uint8Array).byteLength;
      if (got >= totalBytes) resolve();
    }),
  );
  const data = payload(chunk);
  const start = now();
  for (let sent = 0; sent < totalBytes; sent += chunk) await x.send(data);
  await done;
  const ms = now() - start;
  root.remove();
  await new Promise((r) => setTimeout(r, 0));
  return ms;
}

// ---- simple-peer ----

async function simplePeerPair(): Promise<{ p1: any; p2: any }> {
  const p1 = new SimplePeer({ initiator: true, trickle: true, config: { iceServers: [] } });
  const p2 = new SimplePeer({ trickle: true, config: { iceServers: [] } });
  p1.on('signal', (s: unknown) => p2.signal(s));
  p2.on('signal', (s: unknown) => p1.signal(s));
  await Promise.all([p1, p2].map((p) => new Promise((r) => p.once('connect', r))));
  return { p1, p2 };
}

async function simplePeerOpen(): Promise<number> {
  const start = now();
  const { p1, p2 } = await simplePeerPair();
  const ms = now() - start;
  p1.destroy();
  p2.destroy();
  return ms;
}

async function simplePeerThroughput(totalBytes: number, chunk: number): Promise<number> {
  const { p1, p2 } = await simplePeerPair();
  let got = 0;
  const done = new Promise<void>((resolve) =>
    p2.on('data', (d: Uint8Array) => {
      got += d.byteLength;
      if (got >= totalBytes) resolve();
    }),
  );
  const data = payload(chunk);
  const start = now();
  for (let sent = 0; sent < totalBytes; sent += chunk) {
    if (!p1.write(data)) await new Promise((r) => p1.once('drain', r));
  }
  await done;
  const ms = now() - start;
  p1.destroy();
  p2.destroy();
  return ms;
}

async function simplePeerRoundTrips(count: number): Promise<number> {
  const { p1, p2 } = await simplePeerPair();
  p2.on('data', (d: unknown) => p2.send(d));
  const start = now();
  for (let i = 0; i < count; i++) {
    const back = new Promise((r) => p1.once('data', r));
    p1.send('ping');
    await back;
  }
  const ms = now() - start;
  p1.destroy();
  p2.destroy();
  return ms;
}

// ---- PeerJS, against a local PeerServer (no cloud) ----

let peerServer: { host: string; port: number; path: string } | undefined;

async function peerJsPair(serialization: string): Promise<{ a: any; b: any; out: any; into: any; ms: number }> {
  const options = { ...peerServer, key: 'peerjs', secure: false, config: { iceServers: [] } };
  const a = new peerjs.Peer(options);
  const b = new peerjs.Peer(options);
  await Promise.all(
    [a, b].map(
      (p) =>
        new Promise((resolve, reject) => {
          p.once('open', resolve);
          p.once('error', reject);
        }),
    ),
  );
  const start = now();
  const intoP = new Promise<any>((resolve) => b.once('connection', (c: any) => c.once('open', () => resolve(c))));
  const out = a.connect(b.id, { serialization, reliable: true });
  await new Promise((r) => out.once('open', r));
  const into = await intoP;
  return { a, b, out, into, ms: now() - start };
}

async function peerJsOpen(): Promise<number> {
  const { a, b, ms } = await peerJsPair('raw');
  a.destroy();
  b.destroy();
  return ms;
}

async function peerJsThroughput(totalBytes: number, chunk: number): Promise<number> {
  const { a, b, out, into } = await peerJsPair('raw');
  let got = 0;
  const done = new Promise<void>((resolve) =>
    into.on('data', (d: ArrayBuffer) => {
      got += d.byteLength;
      if (got >= totalBytes) resolve();
    }),
  );
  const data = payload(chunk);
  const start = now();
  for (let sent = 0; sent < totalBytes; sent += chunk) out.send(data.buffer); // PeerJS buffers internally
  await done;
  const ms = now() - start;
  a.destroy();
  b.destroy();
  return ms;
}

// ---- set-up and tear-down loop: connections and heap ----

async function setupTeardownLoop(loops: number): Promise<{
  openBefore: number;
  openAfter: number;
  heapBefore: number | null;
  heapAfter: number | null;
  natives: number;
  nativesOpen: number;
}> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => (performance as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
  const client = new WebRtcClient();
  const natives: RTCPeerConnection[] = [];
  const once = async () => {
    const { local } = await enginePair(engine, client);
    await local.send('x');
    for (const connection of client.openConnections) {
      natives.push(connection.native);
      connection.close();
    }
  };
  for (let i = 0; i < 3; i++) await once(); // warm-up
  gc?.();
  await new Promise((r) => setTimeout(r, 500));
  gc?.();
  const heapBefore = heap();
  const openBefore = client.openConnections.length;
  for (let i = 0; i < loops; i++) await once();
  gc?.();
  await new Promise((r) => setTimeout(r, 500));
  gc?.();
  const result = {
    openBefore,
    openAfter: client.openConnections.length,
    heapBefore,
    heapAfter: heap(),
    natives: natives.length,
    nativesOpen: natives.filter((n) => n.connectionState !== 'closed').length,
  };
  client.close();
  return result;
}

Object.assign(globalThis, {
  bench: {
    MiB,
    setPeerServer: (s: typeof peerServer) => {
      peerServer = s;
    },
    rawThroughput,
    rawOpen,
    rawRoundTrips,
    engineThroughput,
    engineOpen: () => engineOpenWith(engine),
    engineRoundTrips: (count: number) => engineRoundTripsWith(engine, count),
    elementThroughput,
    simplePeerThroughput,
    simplePeerOpen,
    simplePeerRoundTrips,
    peerJsThroughput,
    peerJsOpen,
    setupTeardownLoop,
    // Between rounds, untimed: Chromium refuses new connections while 500 closed ones await GC.
    collect: async () => {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 50));
    },
  },
});
(globalThis as { benchReady?: boolean }).benchReady = true;
