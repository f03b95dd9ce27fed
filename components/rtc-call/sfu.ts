import { SignalingError } from '../../src/errors.js';
import type { SignalingSession } from '../../src/signaling/session.js';
import { JANUS_PUBLISHER, JANUS_SUBSCRIBER, type JanusFeed } from '../../src/signaling/janus-signaler.js';
import { JanusSignaler, type JanusSignalerOptions } from '../../src/signaling/janus-signaler.js';
import { WebRtcError } from '../../src/errors.js';
import type { TrackEvent } from '../../src/peer-connection.js';
import type { WebRtcDataChannel } from '../../src/data-channel.js';
import type { CallChannel } from './rtc-call.js';
import type { SignalMessage } from '../../src/types.js';

/** The signaler for `<rtc-call sfu=…>` (one lazy part for the whole SFU room). */
export function janusSignaler(sfu: string, url: string, options: JanusSignalerOptions): JanusSignaler {
  if (sfu !== 'janus')
    throw new WebRtcError('config', `sfu is "janus", not ${JSON.stringify(sfu.slice(0, 40))}`, {
      reason: 'bad-config',
    });
  return new JanusSignaler(url, options);
}

/** The camera's layers with `simulcast`: full and half size (Janus's substreams 1 and 0); browsers send no third layer of a 640x480 camera. */
export const SIMULCAST = { simulcast: [{ rid: 'h' }, { rid: 'l', scaleResolutionDownBy: 2 }] };

/** What an SFU room needs from its `<rtc-call>`. */
export interface SfuHost {
  /** Makes and starts a session with `peer`: one that sends our media (the call's tracks and channels), or (`receiving`) one that sends nothing. */
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
  readonly #publisher: SignalingSession;
  readonly #receiver: SignalingSession;
  readonly #stop = new AbortController();

  readonly #host: SfuHost;
  readonly #signaler: JanusSignaler;
  /** `early`: what the signaler delivered before the room listened (Janus's first offer may be in it). */
  constructor(host: SfuHost, signaler: JanusSignaler, early: SignalMessage[] = []) {
    this.#host = host;
    this.#signaler = signaler;
    const id = signaler.peerId;
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
    this.#receiver = host.sessionWith(JANUS_SUBSCRIBER, id, true);
    // Janus's first offer may have come before us: it goes first.
    for (const message of early) if (message.from === JANUS_SUBSCRIBER) this.#receiver.deliver(message);
    const connection = this.#receiver.connection;
    connection.addEventListener('track', (e) => this.#onTrack((e as CustomEvent<TrackEvent>).detail), scoped);
    // Janus relays each participant's data on a channel named by their id; it opens it only once this
    // end's SCTP association is up, and a channel of ours brings that up.
    connection.addEventListener(
      'datachannel',
      (e) => this.#onChannel((e as CustomEvent<{ channel: WebRtcDataChannel }>).detail.channel),
      scoped,
    );
    connection.native.addEventListener(
      'signalingstatechange',
      () => {
        const native = connection.native;
        if (
          native.signalingState === 'stable' &&
          /\nm=application [1-9]/.test(native.remoteDescription?.sdp ?? '') &&
          !connection.dataChannels.length
        )
          connection.createDataChannel('sfu');
      },
      scoped,
    );
    this.#publisher = host.sessionWith(JANUS_PUBLISHER, id);
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

  readonly #qualities: MutationObserver;

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

  /** A participant's track arrived: their video appears. (The call hands us tracks too, as from one peer, Janus: the mids tell whose they are.) */
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
  }

  /** A participant's data: the first `<rtc-data-channel>` of the call takes it (Janus does not keep labels apart). */
  #onChannel(channel: WebRtcDataChannel): void {
    const [first] = this.#host.channelElements();
    if (this.#signaler.feeds.has(channel.label)) first?.attach(this.#receiver.connection, channel.label, channel);
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
  }

  /** Asks Janus for `peer`'s low or high simulcast layer (the publisher must send simulcast); `<rtc-video quality>` calls it. */
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

  /** `session` ended: the sending one means the room is over for us. */
  remove(session: SignalingSession): MediaStream[] | null {
    return session === this.#publisher ? [] : null;
  }

  /** Leaves the room: both connections close and every participant's video goes. */
  close(reason: string): void {
    this.#stop.abort();
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
