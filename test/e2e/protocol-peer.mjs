// A peer written from docs/PROTOCOL.md alone, on werift: the proof that the document is enough
// to talk to <rtc-call> through the reference server. It imports nothing of the project's code
// (no src/, components/ or server/): only `ws` for the socket and `werift` for WebRTC.
// Section numbers in comments point into PROTOCOL.md.
import { EventEmitter, once } from 'node:events';
import WebSocket from 'ws';
import { RTCPeerConnection } from 'werift';

export const PROTOCOL_VERSION = 1;

/** §8: the SCTP stream id of a declared channel: FNV-1a 32-bit over the label's UTF-16 code units, mod 1024. */
export function channelIdFor(label) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1024;
}

/** §7: werift gives the line without the `candidate:` prefix that browsers (and the session) require. */
function toWireCandidate(c) {
  const line = c.candidate.startsWith('candidate:') ? c.candidate : `candidate:${c.candidate}`;
  const json = { candidate: line, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
  if (c.usernameFragment) json.usernameFragment = c.usernameFragment;
  return json;
}

/** §5: how long a polite peer waits for the impolite one's first offer. */
const WAIT_WHEN_NEGOTIATE_MS = 6000;
const WAIT_WHEN_UNSAID_MS = 1500;
/** A pause after 20 joins, to stay under the server's rate limit. */
const RATE_PAUSE_MS = 1000;
/** How often the first negotiation looks for the other side's offer. */
const LOOK_AGAIN_MS = 50;

/**
 * One peer: joins a room, finds its one remote peer from a signal message, negotiates (perfect
 * negotiation with the roles of §4), and opens the negotiated `chat` channel. Events: `welcome`,
 * `peer`, `open` (the channel), `message` (string or Buffer), `rtp` (a video RTP packet), `bye`
 * ({reason}), `peer-left` ({id, reason}), `server-error`.
 */
export class ProtocolPeer extends EventEmitter {
  constructor(url, room, { id, label = 'chat', video = true, maxMessageSize = 256 * 1024 } = {}) {
    super();
    this.url = url;
    this.room = room;
    this.requestedId = id;
    this.remoteId = undefined;
    this.rtpPackets = 0;
    // §9: advertise a max-message-size at least as large as the largest message you accept.
    this.pc = new RTCPeerConnection({ maxMessageSize, iceAdditionalHostAddresses: ['127.0.0.1'] });
    this.channel = this.pc.createDataChannel(label, { negotiated: true, id: channelIdFor(label), ordered: true });
    this.channel.onMessage.subscribe((data) => this.emit('message', data));
    this.channel.stateChanged.subscribe((state) => {
      if (state === 'open') this.emit('open');
    });
    if (video) this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => {
        this.rtpPackets++;
        if (this.rtpPackets === 1) this.emit('rtp');
      });
    });
    this.pc.onIceCandidate.subscribe((candidate) => {
      if (candidate) this.signal({ type: 'candidate', candidate: toWireCandidate(candidate) });
    });
    this.makingOffer = false;
    this.remoteNegotiates = undefined;
    this.inbox = Promise.resolve();
    /** Every transport werift made: it closes only those still in use, and bundling leaves others open. */
    this.transports = new Set();
  }

  /** Remembers the transports of the moment (werift replaces a bundled transceiver's without closing it). */
  track() {
    for (const dtls of this.pc.dtlsTransports) this.transports.add(dtls);
  }

  /**
   * §2: join with the protocol version; resolves with the welcome. The server gives the id (§2,
   * resume token), so a test that wants a role joins again (`leave`, `join` on the same socket)
   * until `fits(id)`: say, an id that sorts before every other for the impolite role (§4).
   */
  async join(fits = () => true) {
    this.socket = new WebSocket(this.url);
    await once(this.socket, 'open');
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      this.inbox = this.inbox.then(() => this.onMessage(message)).catch((error) => this.emit('failure', error));
    });
    const welcome = await this.rejoinUntil(fits);
    // §4: announce presence; it has a channel and a transceiver, so something to negotiate.
    this.signal({ type: 'hello', negotiate: true });
    return welcome;
  }

  /** Joins (again) until the server's id fits; bounded, and slow enough for the rate limit (§2). */
  async rejoinUntil(fits, tries = 600) {
    for (let attempt = 0; ; attempt++) {
      const welcomed = once(this, 'welcome');
      this.socket.send(JSON.stringify({ type: 'join', room: this.room, protocol: PROTOCOL_VERSION }));
      const [welcome] = await welcomed;
      this.id = welcome.id;
      this.serverProtocol = welcome.protocol ?? 1; // §2: a missing version is 1
      if (fits(welcome.id)) return welcome;
      if (attempt >= tries) throw new Error(`no fitting id in ${tries} joins`);
      this.socket.send(JSON.stringify({ type: 'leave' }));
      // Two messages a try, 40 a second: under the server's 50 a second on average (§2), or a refused join never gets
      // its welcome.
      if (attempt % 20 === 19) await new Promise((r) => setTimeout(r, RATE_PAUSE_MS));
    }
  }

  get polite() {
    return this.id > this.remoteId; // §4: plain string comparison (UTF-16 code units)
  }

  signal(message) {
    const routed = this.remoteId ? { ...message, to: this.remoteId } : message;
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(routed));
  }

  async onMessage(message) {
    switch (message.type) {
      case 'welcome':
        this.emit('welcome', message);
        return;
      case 'peer-joined':
        return; // §3: presence comes from signal messages, not from this
      case 'peer-left':
        this.emit('peer-left', message);
        return;
      case 'error':
        this.emit('server-error', message);
        return;
    }
    // §3: a signal message; `from` is set by the server.
    if (message.from === this.id || (message.to !== undefined && message.to !== this.id)) return;
    if (this.remoteId !== undefined && message.from !== this.remoteId) return; // a third peer
    if (message.type === 'hello' && this.remoteNegotiates === undefined)
      this.remoteNegotiates = message.negotiate ?? 'unsaid';
    const found = this.remoteId === undefined && message.type !== 'bye';
    if (found) this.remoteId = message.from;
    switch (message.type) {
      case 'hello':
        if (message.to === undefined) this.signal({ type: 'hello', negotiate: true }); // answered, addressed
        break;
      case 'description':
        await this.onDescription(message.description);
        break;
      case 'candidate':
        if (message.candidate && message.candidate.candidate)
          await this.pc.addIceCandidate(message.candidate).catch(() => {});
        break;
      case 'bye':
        this.emit('bye', { reason: message.reason ?? 'bye', from: message.from });
        break;
      case 'track-state':
        break;
    }
    if (found) {
      this.emit('peer', this.remoteId);
      void this.firstNegotiation();
    }
  }

  /** §5: the impolite peer offers at once; the polite one lets it go first. */
  async firstNegotiation() {
    if (this.polite && this.remoteNegotiates !== false) {
      const waitMs = this.remoteNegotiates === true ? WAIT_WHEN_NEGOTIATE_MS : WAIT_WHEN_UNSAID_MS;
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline && !this.pc.remoteDescription)
        await new Promise((r) => setTimeout(r, LOOK_AGAIN_MS));
    }
    if (this.pc.remoteDescription || this.pc.localDescription) return;
    await this.offer();
  }

  async offer() {
    this.makingOffer = true;
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.track();
      const { type, sdp } = this.pc.localDescription;
      this.signal({ type: 'description', description: { type, sdp } });
    } finally {
      this.makingOffer = false;
    }
  }

  /** §6: perfect negotiation. */
  async onDescription(description) {
    const collision = description.type === 'offer' && (this.makingOffer || this.pc.signalingState !== 'stable');
    if (collision && !this.polite) return;
    if (collision) await this.pc.setLocalDescription({ type: 'rollback' });
    this.track();
    await this.pc.setRemoteDescription(description);
    if (description.type === 'offer') {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.track();
      const { type, sdp } = this.pc.localDescription;
      this.signal({ type: 'description', description: { type, sdp } });
    }
  }

  send(data) {
    this.channel.send(typeof data === 'string' ? data : Buffer.from(data));
  }

  /** §3: ends the call with a reason the other side shows. */
  bye(reason) {
    this.signal({ type: 'bye', reason });
  }

  /** §2: leaves the room (the other side hears `peer-left`, reason `left`). */
  leave() {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'leave' }));
  }

  async close() {
    this.socket?.close(1000);
    this.track();
    await this.pc.close().catch(() => {});
    for (const dtls of this.transports) {
      await dtls.stop().catch(() => {});
      await dtls.iceTransport.stop().catch(() => {});
    }
  }
}
