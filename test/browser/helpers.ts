import { CONNECT_MS } from '../support/waits.mjs';
import {
  WebRtcClient,
  type SignalMessage,
  type Signaler,
  type WebRtcPeerConnection,
  type WebRtcDataChannel,
} from '../../src/index.js';

/** Calls `tap` with every message `signaler` sends, right after it is sent. */
export function tapSend(signaler: Signaler, tap: (message: SignalMessage) => void): void {
  const send = signaler.send.bind(signaler);
  signaler.send = (message) => {
    const result = send(message);
    tap(message);
    return result;
  };
}

/** Relays candidates between two connections, as a signaling channel would. */
export function relayCandidates(a: WebRtcPeerConnection, b: WebRtcPeerConnection): void {
  const relay = (from: WebRtcPeerConnection, to: WebRtcPeerConnection) =>
    from.addEventListener('icecandidate', (event) => {
      const { candidate } = (event as CustomEvent).detail;
      if (candidate && !to.isClosed) to.addIceCandidate(candidate).catch(() => {});
    });
  relay(a, b);
  relay(b, a);
}

/** Offer/answer by hand, Ktor style. */
export async function negotiate(offerer: WebRtcPeerConnection, answerer: WebRtcPeerConnection): Promise<void> {
  const offer = await offerer.createOffer();
  await offerer.setLocalDescription(offer);
  await answerer.setRemoteDescription(offer);
  const answer = await answerer.createAnswer();
  await answerer.setLocalDescription(answer);
  await offerer.setRemoteDescription(answer);
}

export { waitFor } from '../support/waits.mjs';

export function nextEvent<T = unknown>(target: EventTarget, type: string, timeoutMs = CONNECT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
    target.addEventListener(
      type,
      (event) => {
        clearTimeout(timer);
        resolve((event as CustomEvent).detail as T);
      },
      { once: true },
    );
  });
}

export interface Pair {
  client: WebRtcClient;
  a: WebRtcPeerConnection;
  b: WebRtcPeerConnection;
}

export function makePair(client = new WebRtcClient()): Pair {
  const a = client.createPeerConnection();
  const b = client.createPeerConnection();
  relayCandidates(a, b);
  return { client, a, b };
}

/** Two connections joined by one data channel, open on both ends. */
export async function connectedChannel(
  label = 'test',
  options = {},
): Promise<Pair & { local: WebRtcDataChannel; remote: WebRtcDataChannel }> {
  const pair = makePair();
  const local = pair.a.createDataChannel(label, options);
  const remoteArrives = nextEvent<{ channel: WebRtcDataChannel }>(pair.b, 'datachannel');
  await negotiate(pair.a, pair.b);
  const { channel: remote } = await remoteArrives;
  await Promise.all([local.whenOpen(), remote.whenOpen()]);
  return { ...pair, local, remote };
}

export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
}

export const isFirefox = navigator.userAgent.includes('Firefox');

/** The URL of the reference signaling server that web-test-runner started for these tests. */
export async function signalingServerUrl(): Promise<string> {
  return (await (await fetch('/__signaling.json')).json()).url;
}
