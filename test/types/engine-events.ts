// Compile-time checks (npm run typecheck): engine events give listeners a typed `detail`.
import {
  SignalingSession,
  WebRtcClient,
  WebSocketSignaler,
  WhipSignaler,
  type WebRtcDataChannel,
} from '../../src/index.js';

declare const client: WebRtcClient;
declare const channel: WebRtcDataChannel;
declare const session: SignalingSession;
declare const socket: WebSocketSignaler;
declare const whip: WhipSignaler;
const connection = client.createPeerConnection();

connection.addEventListener('icecandidate', (e) => e.detail.candidate?.sdpMid);
connection.addEventListener('statechange', (e) => {
  const state: RTCPeerConnectionState = e.detail.state;
  return state;
});
connection.addEventListener('track', (e) => e.detail.track.kind);
connection.addEventListener('error', (e) => e.detail.error.code);
// @ts-expect-error a statechange's detail has no candidate
connection.addEventListener('statechange', (e) => e.detail.candidate);
session.addEventListener('close', (e) => {
  const remote: boolean = e.detail.remote;
  return remote;
});
session.addEventListener('close', (e) => {
  // @ts-expect-error a session's close reason is a string
  const reason: number = e.detail.reason;
  return reason;
});
socket.addEventListener('reconnecting', (e) => e.detail.attempt + e.detail.delayMs);
whip.addEventListener('iceservers', (e) => e.detail.iceServers.length);
channel.addEventListener('error', (e) => e.detail.error.code);
client.addEventListener('devicechange', (e) => e.detail.devices.length);
// Other names keep the DOM's signature; a listener added with its type is removed with it.
connection.addEventListener('something-else', (e: Event) => e.type);
const onClose = (e: CustomEvent<{ reason: string; remote: boolean }>) => e.detail.reason;
session.addEventListener('close', onClose);
session.removeEventListener('close', onClose);
