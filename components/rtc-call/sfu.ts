import { SignalingError } from '../../src/errors.js';
import type { SignalingSession } from '../../src/signaling/session.js';
import { JANUS_PUBLISHER, JANUS_SUBSCRIBER, type JanusFeed } from '../../src/signaling/janus-signaler.js';
import { JanusSignaler, type JanusSignalerOptions } from '../../src/signaling/janus-signaler.js';
import { DataChannelClosedError, WebRtcError } from '../../src/errors.js';
import type { TrackEvent } from '../../src/peer-connection.js';
import type {
  DataChannelMessage,
  DataChannelOptions,
  DataChannelSendable,
  WebRtcDataChannel,
} from '../../src/data-channel.js';
import type { CallChannel } from './rtc-call.js';
import type { SignalMessage } from '../../src/types.js';

type Send = (data: DataChannelSendable) => Promise<void>;

/** The signaler for `<rtc-call sfu=…>` (one lazy part for the whole SFU room). */
export function janusSignaler(sfu: string, url: string, options: JanusSignalerOptions): JanusSignaler {
  if (sfu !== 'janus')
    throw new WebRtcError('config', `sfu is "janus", not ${JSON.stringify(sfu.slice(0, 40))}`, {
      reason: 'bad-config',
    });
  return new JanusSignaler(url, options);
}

/**
 * The camera's layers with `simulcast`: full and half size (Janus's substreams 1 and 0); browsers send no third layer
 * of a 640x480 camera.
 */
export const SIMULCAST = { simulcast: [{ rid: 'h' }, { rid: 'l', scaleResolutionDownBy: 2 }] };

/** What an SFU room needs from its `<rtc-call>`. */
export interface SfuHost {
  /**
   * Makes and starts a session with `peer`: one that sends our media (the call's tracks and channels), or (`receiving`)
   * one that sends nothing.
   */
  sessionWith(peer: string, id: string, receiving?: boolean): SignalingSession;
  fail(error: unknown): void;
  /** Where participants' `<rtc-video>` elements go. */
  videoParent(): Element;
  /** The call's `<rtc-data-channel>` elements. */
  channelElements(): Iterable<CallChannel>;
}

interface Participant {
  stream: MediaStream;
  video: HTMLElement | null;
}

/** A `<rtc-data-channel>` as the room sees it. */
type ChannelElement = CallChannel & { label: string };

/**
 * How long we hold our channel messages for a participant who has not yet said that Janus forwards
 * ours to them (one who runs something other than this room never says it).
 */
const HEARD_MS = 15000;
/**
 * How soon we say our state again while someone has not heard it: Janus keeps no history, and drops what it gets
 * before it forwards our data to them (first, then 1.5 x longer each time, up to `PING_MAX_MS`).
 */
const PING_MS = 200;
const PING_MAX_MS = 2000;
/**
 * How long a message whose sending connection ended waits for the next one: that connection is made once Janus has
 * let go of the old one (at most 3 s: `unpublish()`), a task after the old one's session ends.
 */
const REPUBLISH_MS = 10000;

/**
 * Janus forwards all of a participant's data on one channel named by their id, whatever the label
 * it was sent on: each message goes up with its label in front, a JSON string and a newline (bytes
 * too, in UTF-8). A text message that starts with `{` is the room's own: `{receives, tracks}`.
 */
function framed(label: string, data: DataChannelSendable): DataChannelSendable | Promise<Uint8Array> {
  const head = JSON.stringify(label) + '\n';
  if (typeof data === 'string') return head + data;
  const join = (bytes: Uint8Array) => {
    const top = new TextEncoder().encode(head);
    const out = new Uint8Array(top.length + bytes.length);
    out.set(top);
    out.set(bytes, top.length);
    return out;
  };
  if (data instanceof Blob) return data.arrayBuffer().then((buffer) => join(new Uint8Array(buffer)));
  if (ArrayBuffer.isView(data)) return join(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  // Anything else: the channel's own send rejects it, with its typed error.
  return data instanceof ArrayBuffer ? join(new Uint8Array(data)) : data;
}

/** A relayed message's label and payload (`null`: not one of ours). */
function unframed(message: DataChannelMessage): { label: string; data: string | ArrayBuffer } | null {
  try {
    if (typeof message === 'string') {
      const end = message.indexOf('\n');
      return end > 0 ? { label: JSON.parse(message.slice(0, end)), data: message.slice(end + 1) } : null;
    }
    const end = message.indexOf(10);
    if (end < 1) return null;
    return {
      label: JSON.parse(new TextDecoder().decode(message.subarray(0, end))),
      data: message.slice(end + 1).buffer,
    };
  } catch {
    return null;
  }
}

/**
 * Stands in for the `RTCDataChannel` of one label from one participant, carved out of Janus's one
 * channel per participant, so that a `<rtc-data-channel>` gets it as it gets any channel.
 */
class RelayedChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  id = null;
  ordered = true;
  maxRetransmits = null;
  maxPacketLifeTime = null;
  protocol = '';
  negotiated = false;
  readonly label: string;
  constructor(label: string) {
    super();
    this.label = label;
  }
  /** Janus forwards only what goes up the sending connection, and the element sends there too. */
  send(): void {}
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}

/** Janus numbers the layers from the lowest (0); the call sends two (full and half size). */
const SUBSTREAMS = { low: 0, high: 1 } as const;
export type SfuQuality = keyof typeof SUBSTREAMS;

/**
 * `<rtc-call sfu="janus">`: one connection sends our tracks to Janus, one receives everyone else's
 * (Janus 1.x multistream), and an `<rtc-video remote peer>` per participant shows them. In the
 * script-tag bundle it loads only when a call has `sfu`.
 */
export class Sfu {
  readonly #participants = new Map<string, Participant>();
  #publisher!: SignalingSession;
  #receiver!: SignalingSession;
  readonly #stop = new AbortController();

  readonly #host: SfuHost;
  readonly #signaler: JanusSignaler;
  /** `early`: what the signaler delivered before the room listened (Janus's first offer may be in it). */
  constructor(host: SfuHost, signaler: JanusSignaler, early: SignalMessage[] = []) {
    this.#host = host;
    this.#signaler = signaler;
    const scoped = { signal: this.#stop.signal };
    signaler.addEventListener(
      'feeds',
      (e) => this.#onFeeds((e as CustomEvent<{ feeds: JanusFeed[] }>).detail.feeds),
      scoped,
    );
    signaler.addEventListener('error', (e) => host.fail((e as CustomEvent).detail.error), scoped);
    signaler.whenJoined().catch((error) => {
      if (!this.#stop.signal.aborted) host.fail(error);
    });
    this.#receive(early);
    signaler.addEventListener('resubscribe', () => this.#resubscribed(), scoped);
    this.#publish();
    signaler.addEventListener(
      'track-state',
      (e) => {
        const { mid, muted } = (e as CustomEvent<{ mid: string; muted: boolean }>).detail;
        this.#tracks[mid] = muted;
        this.#sayState();
      },
      scoped,
    );
    this.#waitForNewcomers();
    // `quality` on a participant's <rtc-video> picks their simulcast layer.
    this.#qualities = new MutationObserver((records) => {
      for (const { target } of records) {
        const video = target as Element;
        const peer = video.getAttribute('peer');
        const quality = video.getAttribute('quality');
        if (peer && quality && this.#participants.get(peer)?.video === video)
          this.setQuality(peer, quality as SfuQuality).catch((error) => host.fail(error));
      }
    });
  }

  /** The session that receives everyone's media (Janus offers it). */
  #receive(early: SignalMessage[] = []): void {
    const scoped = { signal: this.#stop.signal };
    this.#receiver = this.#host.sessionWith(JANUS_SUBSCRIBER, this.#signaler.peerId, true);
    // Janus's first offer may have come before us: it goes first.
    for (const message of early) if (message.from === JANUS_SUBSCRIBER) this.#receiver.deliver(message);
    const connection = this.#receiver.connection;
    connection.addEventListener('track', (e) => this.#onTrack((e as CustomEvent<TrackEvent>).detail), scoped);
    // Janus relays each participant's data on a channel named by their id; it opens it only once this
    // end's SCTP association is up, and a channel of ours brings that up.
    connection.addEventListener(
      'datachannel',
      (e) => void this.#onChannel((e as CustomEvent<{ channel: WebRtcDataChannel }>).detail.channel),
      scoped,
    );
    connection.native.addEventListener(
      'signalingstatechange',
      () => {
        const native = connection.native;
        if (native.signalingState !== 'stable') return;
        if (/\nm=application [1-9]/.test(native.remoteDescription?.sdp ?? '') && !connection.dataChannels.length)
          connection.createDataChannel('sfu');
        this.#applyMutes();
      },
      scoped,
    );
  }

  /** The session that sends our media and channels up to Janus. */
  #publish(): void {
    this.#publisher = this.#host.sessionWith(JANUS_PUBLISHER, this.#signaler.peerId);
    const sending = this.#publisher.connection;
    // Made in the task that made the connection: its first offer has it, even with no <rtc-data-channel>.
    this.#room = sending.createDataChannel('sfu');
    // The elements' channels (opened already, and later ones) send each message with its label in front.
    for (const channel of sending.dataChannels) if (channel !== this.#room) this.#frame(channel);
    const create = sending.createDataChannel.bind(sending);
    Object.assign(sending, {
      createDataChannel: (label: string, options?: DataChannelOptions) => this.#frame(create(label, options)),
    });
    for (const published of this.#published.splice(0)) published();
  }

  /**
   * Janus hung up our sending connection (its DTLS or ICE timed out, or the browser closed it) and we are still in the
   * room: publish again on a new one. The others subscribe to it as to a newcomer, so they must hear us again first.
   */
  #republish(): void {
    if (this.#stop.signal.aborted || !this.#signaler.connected) return;
    for (const timer of this.#silence.values()) clearTimeout(timer);
    this.#silence.clear();
    this.#hearsUs.clear();
    this.#publish();
    this.#waitForNewcomers();
  }

  /**
   * Janus hung up our receiving connection and subscribes us again on a new one: the old one goes, and everyone's
   * tracks and data come again on the new one (their `<rtc-video>` stay on the page meanwhile).
   */
  #resubscribed(): void {
    this.#receiver.close('janus-hangup');
    // New streams, as at first: a video whose stream ended does not play tracks added to it later (Firefox).
    for (const participant of this.#participants.values()) participant.stream = new MediaStream();
    this.#applied.clear();
    this.#hears.clear();
    // The others hold what they send us until we hear them on the new connection.
    this.#sayState();
    for (const channels of this.#relayed.values()) for (const relayed of channels.values()) relayed.close();
    this.#relayed.clear();
    this.#receive();
  }

  readonly #qualities: MutationObserver;
  /** Our channel up to Janus for the room's own messages (who hears whom, what we muted). */
  #room!: WebRtcDataChannel;
  /** What we muted, by mid of our sending connection. */
  readonly #tracks: Record<string, boolean> = {};
  /** What each participant muted, by mid of their sending connection. */
  readonly #mutes = new Map<string, Record<string, boolean>>();
  /** The track state last handed to the receiving session, by its mid: whose, and muted or not. */
  readonly #applied = new Map<string, string>();
  /**
   * Participants who said that Janus forwards our data to them (`said`), or who kept silent for `HEARD_MS`: they said
   * so after data of ours reached them, which alone proves it (an answered subscription and an open channel do not).
   * One who said so and then leaves us out (they receive on a new connection) must say so again.
   */
  readonly #hearsUs = new Map<string, 'said' | 'silent'>();
  /** Participants whose data reached us through Janus. */
  readonly #hears = new Set<string>();
  readonly #silence = new Map<string, ReturnType<typeof setTimeout>>();
  /** Our state said again until everyone hears us, its next delay. */
  #ping: ReturnType<typeof setTimeout> | undefined;
  #pingMs = PING_MS;
  /** Sends held until every participant hears us. */
  #heard: Array<() => void> = [];
  /** Each element channel's own (unframed) send up the latest sending connection, by label. */
  readonly #up = new Map<string, Send>();
  /** Sends waiting for the sending connection to be made again. */
  #published: Array<() => void> = [];
  /** Each participant's messages, by label, as the channel each element was handed. */
  readonly #relayed = new Map<string, Map<ChannelElement, RelayedChannel>>();

  /** Our labelled sends wait for this: a participant who came may not get what Janus forwards yet. */
  #whenHeard(): Promise<void> {
    if ([...this.#signaler.participants].every((peer) => this.#hearsUs.has(peer))) return Promise.resolve();
    return new Promise((resolve) => this.#heard.push(resolve));
  }

  /** Releases held sends if everyone hears us now; newcomers get `HEARD_MS` to say so. */
  #waitForNewcomers(): void {
    for (const peer of this.#signaler.participants)
      if (!this.#hearsUs.has(peer) && !this.#silence.has(peer))
        this.#silence.set(
          peer,
          setTimeout(() => {
            this.#hearsUs.set(peer, 'silent');
            this.#waitForNewcomers();
          }, HEARD_MS),
        );
    if ([...this.#signaler.participants].every((peer) => this.#hearsUs.has(peer))) {
      clearTimeout(this.#ping);
      this.#ping = undefined;
      this.#pingMs = PING_MS;
      for (const release of this.#heard.splice(0)) release();
    } else if (!this.#ping && !this.#stop.signal.aborted) {
      // Until a newcomer hears us, what we say to them may be lost: say it again.
      this.#ping = setTimeout(() => {
        this.#ping = undefined;
        this.#pingMs = Math.min(this.#pingMs * 1.5, PING_MAX_MS);
        this.#sayState();
        this.#waitForNewcomers();
      }, this.#pingMs);
    }
  }

  /** An element's channel up to Janus: each message goes with its label, once everyone hears us, in order. */
  #frame(channel: WebRtcDataChannel): WebRtcDataChannel {
    const send = channel.send.bind(channel);
    this.#up.set(channel.label, send);
    let last: Promise<unknown> = Promise.resolve();
    channel.send = (data) => {
      // Framed now: the caller may reuse its buffer (Wasm memory) before the send goes.
      const frame = framed(channel.label, data);
      const sent = last.then(() => this.#whenHeard()).then(async () => this.#sendUp(channel.label, await frame, send));
      last = sent.catch(() => {});
      return sent;
    };
    return channel;
  }

  /**
   * Sends a framed message with `send`. If Janus hung up that connection before it went (it was waiting for everyone
   * to hear us, for the channel to open, or for room in its buffer), it goes up the next one with the same label, as a
   * one-to-one call's send waits across a reconnect. What the browser had taken already is lost with the connection.
   */
  async #sendUp(label: string, frame: DataChannelSendable, send: Send, tries = 3): Promise<void> {
    try {
      await send(frame);
    } catch (error) {
      if (!(error instanceof DataChannelClosedError) || !tries) throw error;
      if (this.#up.get(label) === send && !(await this.#nextPublish())) throw error;
      const next = this.#up.get(label);
      if (!next || next === send) throw error; // the element is gone from the new connection
      await this.#whenHeard();
      await this.#sendUp(label, frame, next, tries - 1);
    }
  }

  /** Resolves true once the sending connection is made again; false if the room closes or none comes in time. */
  #nextPublish(): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.#stop.signal.aborted || !this.#signaler.connected) return resolve(false);
      const timer = setTimeout(() => resolve(false), REPUBLISH_MS);
      this.#stop.signal.addEventListener('abort', () => resolve(false), { once: true });
      this.#published.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Tells everyone whose data reached us, and what we muted (again to each who newly hears us). */
  #sayState(): void {
    const state = { receives: [...this.#hears], tracks: this.#tracks };
    // It fails only once the sending connection has closed, and the call reports that end itself.
    if (this.#room.state === 'connecting' || this.#room.state === 'open')
      this.#room.send(JSON.stringify(state)).catch(() => {});
  }

  /** A participant's state: whether they hear us, and what they muted. */
  #onState(peer: string, text: string): void {
    let state: { receives?: unknown; tracks?: unknown };
    try {
      state = JSON.parse(text);
    } catch {
      return; // not this room's
    }
    if (state.tracks && typeof state.tracks === 'object')
      this.#mutes.set(peer, state.tracks as Record<string, boolean>);
    this.#applyMutes();
    const feedId = this.#signaler.feedId;
    if (!Array.isArray(state.receives) || !feedId) return;
    const hears = state.receives.includes(feedId);
    if (hears && this.#hearsUs.get(peer) !== 'said') {
      this.#hearsUs.set(peer, 'said');
      clearTimeout(this.#silence.get(peer));
      // They may have missed that we hear them (and what we muted), said before they heard us.
      this.#sayState();
      this.#waitForNewcomers();
    } else if (!hears && this.#hearsUs.get(peer) === 'said') {
      // They receive on a new connection (Janus hung theirs up): what we send waits until our data reaches them there.
      this.#hearsUs.delete(peer);
      this.#silence.delete(peer);
      this.#waitForNewcomers();
    }
  }

  /**
   * Each received track is muted as its participant said (a mid Janus gives to the next participant starts unmuted).
   */
  #applyMutes(): void {
    const mids = new Set(this.#receiver.connection.native.getTransceivers().map((t) => t.mid));
    for (const { mid, type, feed, feedMid } of this.#signaler.streams) {
      if (!feed || feedMid === undefined || type === 'data' || !mids.has(mid)) continue;
      const muted = !!this.#mutes.get(feed)?.[feedMid];
      const key = `${feed}/${muted}`;
      const before = this.#applied.get(mid);
      this.#applied.set(mid, key);
      // Unmuted is what a track starts as: said only to undo a mute (a track not yet playing would take it for one).
      if (before === key || (!muted && !before?.endsWith('true'))) continue;
      this.#receiver.deliver({
        type: 'track-state',
        mid,
        kind: type,
        muted,
        from: JANUS_SUBSCRIBER,
        to: this.#signaler.peerId,
      });
    }
  }

  /** Participants sending media, by id. */
  get peers(): string[] {
    return [...this.#participants.keys()].filter((peer) => this.#signaler.feeds.has(peer));
  }

  /** The session that sends our media (the one mutes, device switches and channels act on). */
  sessions(): SignalingSession[] {
    return [this.#publisher];
  }

  /** The connection that receives everyone's media. */
  get receiving(): SignalingSession {
    return this.#receiver;
  }

  streamOf(peer: string): MediaStream | null {
    return this.#participants.get(peer)?.stream ?? null;
  }

  /**
   * A participant's track arrived: their video appears. (The call hands us tracks too, as from one peer, Janus: the
   * mids tell whose they are.)
   */
  addStreams(peer: string): void {
    const participant = this.#participants.get(peer);
    if (!participant || participant.video || !this.#signaler.feeds.has(peer)) return;
    const video = document.createElement('rtc-video');
    video.setAttribute('remote', '');
    video.setAttribute('peer', peer);
    video.setAttribute('label', this.#signaler.feeds.get(peer)?.display ?? `Participant ${peer}`);
    participant.video = video;
    this.#qualities.observe(video, { attributeFilter: ['quality'] });
    this.#host.videoParent().append(video);
  }

  #participant(peer: string): Participant {
    let participant = this.#participants.get(peer);
    if (!participant) this.#participants.set(peer, (participant = { stream: new MediaStream(), video: null }));
    return participant;
  }

  /** Janus reuses a mid for the next participant: the track goes to whoever the mid is now. */
  #onTrack(event: TrackEvent): void {
    const native = event.track.native;
    const mid = this.#receiver.connection.native.getTransceivers().find((t) => t.receiver.track === native)?.mid;
    const feed = this.#signaler.streams.find((s) => s.mid === mid)?.feed;
    if (event.type === 'remove' || !feed) return;
    for (const [peer, other] of this.#participants)
      if (peer !== feed && other.stream.getTracks().includes(native)) other.stream.removeTrack(native);
    const { stream } = this.#participant(feed);
    if (!stream.getTracks().includes(native)) stream.addTrack(native);
    this.addStreams(feed);
    this.#applyMutes();
  }

  /**
   * A participant's data (Janus's channel named by their id): each label's messages go to the elements of that label.
   */
  async #onChannel(channel: WebRtcDataChannel): Promise<void> {
    const peer = channel.label;
    if (!this.#signaler.participants.has(peer)) return;
    const Channel = channel.constructor as new (native: RTCDataChannel) => WebRtcDataChannel;
    try {
      for (;;) {
        const message = await channel.receive();
        if (!this.#hears.has(peer)) {
          // Janus forwards their data to us: they hold their messages until we say so.
          this.#hears.add(peer);
          this.#sayState();
        }
        if (typeof message === 'string' && message.startsWith('{')) {
          this.#onState(peer, message);
          continue;
        }
        const relayed = unframed(message);
        if (!relayed) continue; // not sent through this room
        let channels = this.#relayed.get(peer);
        if (!channels) this.#relayed.set(peer, (channels = new Map()));
        for (const element of this.#host.channelElements() as Iterable<ChannelElement>) {
          if (element.label !== relayed.label) continue;
          let native = channels.get(element);
          if (!native || native.readyState === 'closed') {
            channels.set(element, (native = new RelayedChannel(relayed.label)));
            element.attach(this.#receiver.connection, peer, new Channel(native as unknown as RTCDataChannel));
          }
          native.dispatchEvent(new MessageEvent('message', { data: relayed.data }));
        }
      }
    } catch {
      // Closed: the participant left, or we did.
    }
  }

  /** Participants who left take their video with them. */
  #onFeeds(feeds: JanusFeed[]): void {
    const present = new Set(feeds.map((f) => f.id));
    for (const [peer, participant] of this.#participants) {
      if (present.has(peer)) continue;
      participant.video?.remove();
      this.#participants.delete(peer);
      for (const channel of this.#host.channelElements()) channel.detach('left', peer);
    }
    for (const peer of this.#relayed.keys())
      if (!this.#signaler.participants.has(peer)) {
        for (const channel of this.#host.channelElements()) channel.detach('left', peer);
        this.#relayed.delete(peer);
        this.#mutes.delete(peer);
      }
    // One who publishes again (on a new connection) is heard again only once their data reaches us from there.
    for (const peer of this.#hears) if (!this.#signaler.feeds.has(peer)) this.#hears.delete(peer);
    for (const [peer, timer] of this.#silence)
      if (!this.#signaler.participants.has(peer)) {
        clearTimeout(timer);
        this.#silence.delete(peer);
        this.#hearsUs.delete(peer);
      }
    this.#waitForNewcomers();
  }

  /**
   * Asks Janus for `peer`'s low or high simulcast layer (the publisher must send simulcast); `<rtc-video quality>`
   * calls it.
   */
  async setQuality(peer: string, quality: SfuQuality): Promise<void> {
    const substream = SUBSTREAMS[quality];
    if (substream === undefined)
      throw new WebRtcError(
        'config',
        `quality is "low" or "high", not ${JSON.stringify(String(quality).slice(0, 20))}`,
        { reason: 'bad-config' },
      );
    const mid = this.#signaler.streams.find((s) => s.feed === peer && s.type === 'video')?.mid;
    if (mid === undefined) throw new SignalingError(`No video from ${peer} in this room`, { reason: 'unknown-peer' });
    await this.#signaler.setSubstream(mid, substream);
  }

  /**
   * `session` ended: the sending one is let go of as a peer that left (its channels and senders), and, if Janus hung it
   * up, made again once the call has let go of it.
   */
  remove(session: SignalingSession): MediaStream[] | null {
    if (session !== this.#publisher) return null;
    // Janus may not have seen it go yet (our side gave it up first): it lets go of it before we publish again.
    void this.#signaler.unpublish().then(() => setTimeout(() => this.#republish()));
    return [];
  }

  /** Leaves the room: both connections close and every participant's video goes. */
  close(reason: string): void {
    this.#stop.abort();
    for (const timer of this.#silence.values()) clearTimeout(timer);
    clearTimeout(this.#ping);
    this.#qualities.disconnect();
    this.#publisher.hangUp(reason);
    this.#receiver.close(reason);
    for (const participant of this.#participants.values()) participant.video?.remove();
    // The channels Janus opened for each participant close with the receiving connection: let go of them.
    for (const channel of this.#host.channelElements())
      for (const peer of this.#signaler.feeds.keys()) channel.detach(reason, peer);
    this.#participants.clear();
  }
}
