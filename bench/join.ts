// The page of the join-to-first-frame bench (bench/join-to-frame.mjs): one page waits in a room,
// another joins it, and each side notes when the first remote video frame (or channel message)
// arrived. Three contenders speak to the same kind of server through the same delaying relay:
// raw (WebSocket + RTCPeerConnection, nothing else), <rtc-call>, and PeerJS with a PeerServer.
// Times are epoch milliseconds (timeOrigin + now), comparable across the two pages of a browser.
import '../components/define.js';
import { WebSocketSignaler } from '../src/index.js';
import type { RtcCall } from '../components/rtc-call/rtc-call.js';
import type { RtcDataChannel } from '../components/rtc-data-channel/rtc-data-channel.js';
import type { RtcVideo } from '../components/rtc-video/rtc-video.js';

declare const peerjs: { Peer: any };

type Contender = 'raw' | 'element' | 'peerjs';
type Case = 'both' | 'joiner' | 'waiter' | 'data';
type Role = 'wait' | 'join';

export interface JoinSetup {
  contender: Contender;
  case: Case;
  role: Role;
  /** Our server through the relay (`ws://…`), and PeerServer through its relay. */
  signaling: string;
  peerServer: { host: string; port: number; path: string };
  room: string;
  /** PeerJS ids of the waiting and the joining side. */
  ids: { wait: string; join: string };
  /** The browser's name, for messages. */
  browser: string;
  /** `begin` and `result` reject after this long: the bench fails with a message, never hangs. */
  timeoutMs: number;
}

const epoch = () => performance.timeOrigin + performance.now();
const CHANNEL = 'bench';

/** What this side sends and receives in a case. */
function plan(s: JoinSetup) {
  const data = s.case === 'data';
  const sends = !data && (s.case === 'both' || (s.case === 'joiner') === (s.role === 'join'));
  const other = !data && (s.case === 'both' || (s.case === 'joiner') !== (s.role === 'join'));
  return { data, sends, receives: other };
}

/** Resolves with the epoch time of the first frame `video` presents. */
function firstFrame(video: HTMLVideoElement): Promise<number> {
  video.muted = true;
  video.autoplay = true;
  void video.play().catch(() => {});
  // Both browsers here have requestVideoFrameCallback.
  return new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(epoch())));
}

function videoFor(stream: MediaStream): Promise<number> {
  const video = document.createElement('video');
  video.srcObject = stream;
  document.body.append(video);
  cleanups.push(() => video.remove());
  return firstFrame(video);
}

const cleanups: (() => void)[] = [];
let result: Promise<number | null> = Promise.resolve(null);
let current: JoinSetup | undefined;

/** `p`, or a rejection naming the browser, contender, case and side after `s.timeoutMs`. */
function within<T>(p: Promise<T>, s: JoinSetup, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${s.browser} ${s.contender}/${s.case}, ${s.role}ing side: ${what} not done in ${s.timeoutMs / 1000} s`,
          ),
        ),
      s.timeoutMs,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Sets `result` to the time of the first frame or message this side waits for (null: none); call what it returns then.
 */
function expectFirst(p: ReturnType<typeof plan>): (t: number) => void {
  let got: (t: number) => void = () => {};
  result = p.data || p.receives ? new Promise((r) => (got = r)) : Promise.resolve(null);
  return (t) => got(t);
}

const camera = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  cleanups.push(() => stream.getTracks().forEach((t) => t.stop()));
  return stream;
};

// ---- raw: the fewest messages the server allows. The joiner knows the waiting peer from its
// welcome and offers at once; the waiting side answers. No hello, no perfect negotiation.

async function raw(s: JoinSetup, p: ReturnType<typeof plan>): Promise<void> {
  const pc = new RTCPeerConnection();
  const ws = new WebSocket(s.signaling);
  cleanups.push(() => {
    pc.close();
    ws.close();
  });
  let peer: string | undefined;
  let remoteSet = false;
  const early: RTCIceCandidateInit[] = [];
  const send = (m: object) => ws.send(JSON.stringify({ ...m, to: peer }));
  pc.onicecandidate = (e) => {
    if (e.candidate) send({ type: 'candidate', candidate: e.candidate.toJSON() });
  };
  const got = expectFirst(p);
  if (p.receives) pc.ontrack = (e) => void videoFor(e.streams[0] ?? new MediaStream([e.track])).then(got);
  if (p.data) {
    const dc = pc.createDataChannel(CHANNEL, { negotiated: true, id: 0 });
    dc.onopen = () => dc.send('hi');
    dc.onmessage = () => got(epoch());
  }
  // The camera opens while the socket connects and joins.
  const media = (async () => {
    if (p.sends) for (const track of (await camera()).getTracks()) pc.addTrack(track);
    else if (p.receives && s.role === 'join') pc.addTransceiver('video', { direction: 'recvonly' });
  })();
  const joined = new Promise<void>((resolve) => {
    ws.onmessage = async (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'welcome') {
        resolve();
        if (s.role === 'join' && m.peers.length) {
          peer = m.peers[0];
          await media;
          await pc.setLocalDescription();
          send({ type: 'description', description: pc.localDescription!.toJSON() });
        }
      } else if (m.type === 'description') {
        peer = m.from;
        await media;
        await pc.setRemoteDescription(m.description);
        remoteSet = true;
        for (const c of early.splice(0)) await pc.addIceCandidate(c);
        if (m.description.type === 'offer') {
          await pc.setLocalDescription();
          send({ type: 'description', description: pc.localDescription!.toJSON() });
        }
      } else if (m.type === 'candidate' && m.candidate) {
        if (remoteSet) await pc.addIceCandidate(m.candidate);
        else early.push(m.candidate);
      }
    };
  });
  ws.onopen = () => ws.send(JSON.stringify({ type: 'join', room: s.room }));
  await Promise.all([joined, media]);
}

// ---- <rtc-call> with <rtc-video remote> / <rtc-data-channel>, as a page would write it.

async function element(s: JoinSetup, p: ReturnType<typeof plan>): Promise<void> {
  const call = document.createElement('rtc-call') as RtcCall;
  call.setAttribute('manual', '');
  // The waiting side must be in its room before the other joins, and only a signaler of its own
  // says so (whenOpen); the joining side uses the call's own signaler, as a page would.
  let signaler: WebSocketSignaler | undefined;
  if (s.role === 'wait') {
    signaler = new WebSocketSignaler(s.signaling, { room: s.room });
    call.signaler = signaler;
  } else {
    call.setAttribute('signaling', s.signaling);
    call.setAttribute('room', s.room);
  }
  if (p.sends) call.setAttribute('video', '');
  const got = expectFirst(p);
  if (p.receives) {
    const video = document.createElement('rtc-video') as RtcVideo;
    video.setAttribute('remote', '');
    call.append(video);
    // The element's own <video> shows the first frame; follow it once it has the stream.
    call.addEventListener(
      'rtc-track',
      () => {
        const wait = () =>
          video.videoElement?.srcObject ? void firstFrame(video.videoElement).then(got) : setTimeout(wait, 1);
        wait();
      },
      { once: true },
    );
  }
  if (p.data) {
    const channel = document.createElement('rtc-data-channel') as RtcDataChannel;
    channel.setAttribute('label', CHANNEL);
    channel.addEventListener('rtc-open', () => void channel.send('hi'));
    channel.addEventListener('rtc-message', () => got(epoch()));
    call.append(channel);
  }
  document.body.append(call);
  cleanups.push(() => {
    call.remove();
    signaler?.close();
  });
  await call.start();
  await signaler?.whenOpen();
}

// ---- PeerJS: the waiting peer registers under a known id; the joiner calls or connects to it.

async function peerJs(s: JoinSetup, p: ReturnType<typeof plan>): Promise<void> {
  const peer = new peerjs.Peer(s.role === 'wait' ? s.ids.wait : s.ids.join, {
    ...s.peerServer,
    key: 'peerjs',
    secure: false,
    config: { iceServers: [] },
  });
  cleanups.push(() => peer.destroy());
  const got = expectFirst(p);
  // The camera opens while the peer connects to its server.
  const media = p.sends ? camera() : Promise.resolve(undefined);
  const opened = new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
  const onConnection = (conn: any) => {
    conn.once('open', () => conn.send('hi'));
    conn.once('data', () => got(epoch()));
  };
  const onCall = (call: any) => {
    if (p.receives) call.once('stream', (remote: MediaStream) => void videoFor(remote).then(got));
  };
  if (s.role === 'wait') {
    peer.on('connection', onConnection);
    const stream = await media;
    peer.on('call', (call: any) => {
      onCall(call);
      call.answer(stream);
    });
    await opened;
    return;
  }
  const [stream] = await Promise.all([media, opened]);
  if (p.data) onConnection(peer.connect(s.ids.wait, { serialization: 'raw', reliable: true }));
  // PeerJS needs a stream to call: a joiner that only receives offers an empty one and asks for video.
  else
    onCall(
      peer.call(s.ids.wait, stream ?? new MediaStream(), stream ? {} : { constraints: { offerToReceiveVideo: true } }),
    );
}

const contenders = { raw, element, peerjs: peerJs };

Object.assign(globalThis, {
  join: {
    /** Sets this side up; the joining side returns the epoch time it started at. */
    async begin(s: JoinSetup): Promise<number> {
      current = s;
      const start = epoch();
      await within(contenders[s.contender](s, plan(s)), s, 'set-up');
      return start;
    },
    /** The epoch time of the first remote frame or message here (null: this side receives nothing). */
    result: () => (current ? within(result, current, 'first frame or message') : result),
    end() {
      for (const f of cleanups.splice(0)) {
        try {
          f();
        } catch {
          /* already closed */
        }
      }
      result = Promise.resolve(null);
      current = undefined;
    },
  },
});
(globalThis as { joinReady?: boolean }).joinReady = true;
