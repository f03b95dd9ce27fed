// The page of bench/ab-open.mjs: time to an open channel for raw WebRTC, the engine of another
// commit ("old", bundled from a git worktree) and the engine here ("new"), round by round.
import * as NEW from '../src/index.js';
// @ts-ignore: the other commit's src/index.ts, resolved by bench/ab-open.mjs (same API as ours)
import * as OLD from 'old-engine';

type Engine = typeof NEW;
const now = () => performance.now();

async function raw(): Promise<number> {
  const start = now();
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => { if (e.candidate) void b.addIceCandidate(e.candidate); };
  b.onicecandidate = (e) => { if (e.candidate) void a.addIceCandidate(e.candidate); };
  const dcA = a.createDataChannel('ab');
  const dcB = new Promise<RTCDataChannel>((resolve) => { b.ondatachannel = (e) => resolve(e.channel); });
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  await Promise.all([dcA, await dcB].map((dc) => dc.readyState === 'open' ? null : new Promise((r) => dc.addEventListener('open', r, { once: true }))));
  const ms = now() - start;
  a.close(); b.close();
  return ms;
}

const engine = (E: Engine) => async (): Promise<number> => {
  const client = new E.WebRtcClient();
  const start = now();
  const [sa, sb] = E.createSignalerPair();
  const a = new E.SignalingSession(client.createPeerConnection(), sa, { polite: false });
  const b = new E.SignalingSession(client.createPeerConnection(), sb, { polite: true });
  const local = a.connection.createDataChannel('ab', {});
  const remote = new Promise<NEW.WebRtcDataChannel>((resolve) => b.connection.addEventListener('datachannel', (e) => resolve((e as CustomEvent).detail.channel)));
  a.start(); b.start();
  await Promise.all([local.whenOpen(), (await remote).whenOpen()]);
  const ms = now() - start;
  client.close();
  return ms;
};

const variants: Record<string, () => Promise<number>> = { raw, old: engine(OLD as unknown as Engine), new: engine(NEW) };

/** `rounds` rounds in a rotating order; a call stuck for 10 s (Firefox's close() now and then) is NaN. */
(globalThis as { ab?: unknown }).ab = async (rounds: number) => {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await variants[name]!(); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + i) % names.length]!;
      times[name]!.push(await Promise.race([variants[name]!(), new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))]));
    }
  }
  (globalThis as { gc?: () => void }).gc?.(); // Chromium refuses new connections while 500 closed ones await GC
  await new Promise((r) => setTimeout(r, 50));
  return times;
};
(globalThis as { abReady?: boolean }).abReady = true;
