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
  | { type: 'bye'; reason?: string; from?: string; to?: string };

/** Anything that carries signal messages between two peers. */
export interface Signaler {
  send(message: SignalMessage): void | Promise<void>;
  /** Registers a listener and returns the function that removes it. */
  subscribe(listener: (message: SignalMessage) => void): () => void;
  close?(): void;
}
