/**
 * Plain JSON value types shared by the engine, the signalers and the server. Types only: this
 * module has no runtime code, so the Node server can import it without pulling in the engine.
 */

export type SdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';

/** A session description as plain JSON: it crosses WebSockets, workers, iframes and Wasm. */
export interface SessionDescription {
  type: SdpType;
  sdp: string;
}

/** An ICE candidate as plain JSON. */
export interface IceCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment?: string | null;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export type SignalMessage =
  | { type: 'description'; description: SessionDescription; from?: string; to?: string }
  | { type: 'candidate'; candidate: IceCandidate | null; from?: string; to?: string }
  | { type: 'bye'; reason?: string; from?: string; to?: string }
  /**
   * An extension of the contract: "I am here". Sessions announce themselves with it so that a
   * peer that arrives later (a second tab, a reloaded page) can be found; a `hello` without `to`
   * is answered with one addressed to its sender. `negotiate` says whether the sender has anything
   * to negotiate yet (tracks or channels): the impolite peer makes the first offer when it has, and
   * the polite peer offers at once when the other's hello says it has not.
   */
  | { type: 'hello'; negotiate?: boolean; from?: string; to?: string }
  /** An extension: a sent track was muted (disabled or stopped) or unmuted; `mid` names its transceiver. */
  | { type: 'track-state'; mid: string; kind: 'audio' | 'video'; muted: boolean; from?: string; to?: string };

export type SignalMessageType = SignalMessage['type'];

/**
 * The wire protocol version this code speaks (docs/PROTOCOL.md): `join` and `welcome` carry it as
 * `protocol`, and a message without it is version 1. A type, so that this module stays types only.
 */
export type ProtocolVersion = 1;

/** Anything that carries signal messages between two peers. */
export interface Signaler {
  send(message: SignalMessage): void | Promise<void>;
  /** Registers a listener and returns the function that removes it. */
  subscribe(listener: (message: SignalMessage) => void): () => void;
  close?(): void;
  /** This end's id, when the signaler assigns ids (the WebSocket signaler does, from the server). */
  readonly peerId?: string;
  /** The other end never offers (a WHIP/WHEP media server): sessions over this signaler offer. */
  readonly offerOnly?: boolean;
  /** `whep`: the session asks to receive audio and video (recvonly transceivers). */
  readonly receiveOnly?: boolean;
  /**
   * ICE servers the signaling side hands out (TURN credentials from the reference server, a WHIP
   * endpoint's `Link` headers). A signaler that is an `EventTarget` fires `iceservers` when they change.
   */
  readonly iceServers?: IceServer[];
  /**
   * Presence: the other peers' ids, as the signaling side sees them (the WebSocket signaler has
   * them from the server). A session that sees exactly one finds it without waiting for its hello,
   * and the impolite side offers at once. A signaler that is an `EventTarget` fires `open` or
   * `peer-joined` when they change, and keeps what arrives before its first subscriber for it
   * (an offer may come before the session listens).
   */
  readonly peers?: ReadonlySet<string>;
}

/** What a client sends the reference server, besides signal messages (which may carry `to`). */
export type ClientControlMessage =
  /**
   * Join a room; `id` with the `resumeToken` of the welcome that gave it resumes that id (after a
   * reconnect); `token` goes to the server's `verify` hook; `protocol` is the version the client
   * speaks (missing: 1; docs/PROTOCOL.md).
   */
  | { type: 'join'; room: string; id?: string; token?: string; resumeToken?: string; protocol?: number }
  | { type: 'leave' };

/** Error codes the reference server replies with (`{type: 'error', code, message}`). */
export type ServerErrorCode =
  | 'bad-json'
  | 'bad-message'
  | 'unknown-type'
  | 'too-big'
  | 'rate-limited'
  | 'not-joined'
  | 'already-joined'
  | 'room-full'
  | 'unknown-peer'
  | 'unauthorized'
  /** A relay meant for peers on other servers of a cluster was not taken by Redis. */
  | 'cluster-unavailable';

/** What the reference server sends: control messages, and relayed signal messages with `from` set. */
export type ServerMessage =
  /**
   * `resumeToken` is secret: with it (and only with it) a later join gets `id` back. `iceServers`:
   * TURN credentials for this peer, when the server has a TURN secret. `protocol`: the version the
   * server speaks (docs/PROTOCOL.md); a welcome without it is version 1. `resumed`: the id kept its place in the
   * room while its socket was away, so a peer known before and missing from `peers` left meanwhile.
   */
  | {
      type: 'welcome';
      id: string;
      room: string;
      peers: string[];
      resumeToken?: string;
      iceServers?: IceServer[];
      protocol?: number;
      resumed?: boolean;
    }
  /** Fresh TURN credentials, sent before the last ones expire. */
  | { type: 'ice-servers'; iceServers: IceServer[] }
  | { type: 'peer-joined'; id: string }
  | { type: 'peer-left'; id: string; reason: string }
  /** `to`: with `unknown-peer`, the peer the refused message was for. */
  | { type: 'error'; code: ServerErrorCode; message: string; to?: string }
  | SignalMessage;

/**
 * Close codes the reference server uses, so that clients know whether to reconnect: 1000 normal,
 * 1001 going away, 1009 message too big, 4001 unauthorized (do not retry), 4003 room full (do not
 * retry), 4008 rate limited, 4009 slow reader (too much unsent), 4010 heartbeat timeout, 4011
 * replaced (the id was resumed by another connection: do not retry), 4012 no join in time.
 */
export type ServerCloseCode = 1000 | 1001 | 1009 | 4001 | 4003 | 4008 | 4009 | 4010 | 4011 | 4012;
