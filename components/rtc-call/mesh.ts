import { SignalingError } from '../../src/errors.js';
import type { SignalingSession } from '../../src/signaling/session.js';
import type { SignalMessage, Signaler } from '../../src/types.js';

/** A mesh sends every stream to every peer: past a handful, use a media server (WHIP/WHEP). */
export const MAX_MESH_PEERS = 8;

/** What a mesh needs from its `<rtc-call>` (its host). */
export interface MeshHost {
  /**
   * Makes and starts a session with `peer` over the shared signaler; `localId` is this end's id when the signaler
   * assigns none.
   */
  sessionWith(peer: string, localId: string): SignalingSession;
  fail(error: unknown): void;
  /** Where remote peers' `<rtc-video>` elements go. */
  videoParent(): Element;
}

interface MeshPeer {
  session: SignalingSession;
  streams: MediaStream[];
  video: HTMLElement | null;
}

/**
 * `<rtc-call mesh>`: one session per peer in the room, and an `<rtc-video remote peer>` per peer
 * that sends media. In the script-tag bundle it loads only when a call has `mesh`.
 */
export class Mesh {
  /** This end's id when the signaler assigns none. */
  readonly #ownId = crypto.randomUUID();
  readonly #members = new Map<string, MeshPeer>();
  readonly #unsubscribe: () => void;

  /** `early`: what the signaler delivered before the mesh listened, handled first. */
  readonly #host: MeshHost;

  constructor(host: MeshHost, signaler: Signaler, early: SignalMessage[] = []) {
    this.#host = host;
    const localId = () => signaler.peerId ?? this.#ownId;
    // A message from a peer without a session yet finds that peer: a session is made for it and
    // handed the message (it may be an offer).
    const onMessage = (raw: SignalMessage) => {
      const message = raw as { type?: unknown; from?: unknown; to?: unknown };
      if (typeof message !== 'object' || message === null || typeof message.from !== 'string') return;
      const peer = message.from;
      if (peer === localId() || this.#members.has(peer) || message.type === 'bye') return;
      if (message.to !== undefined && message.to !== localId()) return;
      if (this.#members.size >= MAX_MESH_PEERS) {
        host.fail(
          new SignalingError(`A mesh holds at most ${MAX_MESH_PEERS} peers: ${peer} was not connected`, {
            reason: 'mesh-full',
          }),
        );
        return;
      }
      try {
        const session = host.sessionWith(peer, this.#ownId);
        this.#members.set(peer, { session, streams: [], video: null });
        session.deliver(raw);
      } catch (error) {
        host.fail(error);
      }
    };
    for (const message of early) {
      // A session made for an earlier message listens from now on: hand it the rest of what came before.
      const member = typeof message.from === 'string' ? this.#members.get(message.from) : undefined;
      if (member) member.session.deliver(message);
      else onMessage(message);
    }
    this.#unsubscribe = signaler.subscribe(onMessage);
    // A signaler's send may return a promise: its failure is the call's error, not an unhandled rejection.
    Promise.resolve(signaler.send({ type: 'hello', from: localId() })).catch((error: unknown) => host.fail(error));
  }

  /** Remote peers, by id. */
  get peers(): string[] {
    return [...this.#members.keys()];
  }

  /** Every peer's session (closed ones go with their peer, at their close event). */
  sessions(): SignalingSession[] {
    return [...this.#members.values()].map((member) => member.session);
  }

  /** The first stream `peer` sends, or null. */
  streamOf(peer: string): MediaStream | null {
    return this.#members.get(peer)?.streams[0] ?? null;
  }

  /** A track arrived from `peer`: its streams are kept, and its video appears. */
  addStreams(peer: string, streams: readonly MediaStream[]): void {
    const member = this.#members.get(peer);
    if (!member) return;
    for (const stream of streams) if (!member.streams.includes(stream)) member.streams.push(stream);
    if (member.video || member.streams.length === 0) return;
    const video = document.createElement('rtc-video');
    video.setAttribute('remote', '');
    video.setAttribute('peer', peer);
    video.setAttribute('label', `Peer ${peer}`);
    member.video = video;
    this.#host.videoParent().append(video);
  }

  /** `session` ended: if it was a peer's, that peer and its video go, and its streams are returned. */
  remove(session: SignalingSession): MediaStream[] | null {
    const peer = session.remoteId;
    const member = peer === undefined ? undefined : this.#members.get(peer);
    if (!member || member.session !== session) return null;
    this.#members.delete(peer as string);
    member.video?.remove();
    return member.streams;
  }

  /** Leaves the mesh: stops listening, hangs up every peer and removes their videos. */
  close(reason: string): void {
    this.#unsubscribe();
    for (const [, member] of [...this.#members]) {
      member.session.hangUp(reason);
      member.video?.remove();
    }
    this.#members.clear();
  }
}
