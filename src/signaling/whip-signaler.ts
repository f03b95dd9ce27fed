import { SignalingError, messageOf } from '../errors.js';
import type { IceCandidate, IceServer, SignalMessage, Signaler } from '../types.js';
import type { AddDetailListener, RemoveDetailListener } from '../typed-events.js';

export interface WhipSignalerOptions {
  /** `whip` publishes (RFC 9725), `whep` plays; the HTTP exchange is the same. Default `whip`. */
  mode?: 'whip' | 'whep';
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** How long one HTTP request may take (default 15,000 ms). */
  timeoutMs?: number;
}

/** The id the media server has in signal messages (it has no id of its own). */
export const MEDIA_SERVER_ID = 'media-server';

/** `Link: <stun:…>; rel="ice-server"; username="…"; credential="…"` headers → ICE servers. */
export function parseIceServerLinks(header: string | null): IceServer[] {
  if (!header) return [];
  const servers: IceServer[] = [];
  for (const part of header.split(/,(?=\s*<)/)) {
    const url = /<([^>]+)>/.exec(part)?.[1];
    if (!url || !/;\s*rel="?ice-server"?/i.test(part)) continue;
    const param = (name: string) => new RegExp(`;\\s*${name}="([^"]*)"`, 'i').exec(part)?.[1];
    const server: IceServer = { urls: url };
    const username = param('username');
    const credential = param('credential');
    if (username !== undefined) server.username = username;
    if (credential !== undefined) server.credential = credential;
    servers.push(server);
  }
  return servers;
}

/** The ICE credentials of an SDP or sdpfrag (empty strings where it has none). */
function iceCredentials(sdp: string): { ufrag: string; pwd: string } {
  return { ufrag: /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '', pwd: /a=ice-pwd:(\S+)/.exec(sdp)?.[1] ?? '' };
}

/** What an ICE-restart or trickle PATCH needs from the local offer. */
function iceParts(sdp: string): { ufrag: string; pwd: string; media: Array<{ mline: string; mid: string }> } {
  const media = sdp
    .split(/\r\n(?=m=)/)
    .slice(1)
    .map((section) => ({
      mline: section.split('\r\n')[0] ?? '',
      mid: /a=mid:(\S+)/.exec(section)?.[1] ?? '',
    }));
  return { ...iceCredentials(sdp), media };
}

export interface WhipSignalerEventDetail {
  /** The endpoint offered ICE servers (`Link: rel="ice-server"`), which `<rtc-call>` applies. */
  iceservers: { iceServers: IceServer[] };
}

export interface WhipSignaler {
  addEventListener: AddDetailListener<WhipSignalerEventDetail>;
  removeEventListener: RemoveDetailListener<WhipSignalerEventDetail>;
}

/**
 * WHIP and WHEP (RFC 9725 and its playback twin) as a signaler: the offer is POSTed as
 * `application/sdp` and the `201` answer comes back as a description; candidates go out as
 * `PATCH application/trickle-ice-sdpfrag` with `If-Match`; an ICE restart is a `PATCH` with
 * `If-Match: *`; `bye` is a `DELETE`. Sessions over it must offer (be impolite).
 */
export class WhipSignaler extends EventTarget implements Signaler {
  readonly endpoint: string;
  readonly mode: 'whip' | 'whep';
  readonly receiveOnly: boolean;
  readonly peerId = 'local';
  readonly offerOnly = true;
  /** The resource URL from `Location`, once the offer was accepted. */
  resource: string | null = null;
  etag: string | null = null;
  /** ICE servers the endpoint offered (`Link: rel="ice-server"`). */
  iceServers: IceServer[] = [];
  readonly #options: WhipSignalerOptions;
  readonly #listeners = new Set<(message: SignalMessage) => void>();
  #pendingCandidates: Array<IceCandidate | null> = [];
  #localSdp = '';
  #remoteSdp = '';
  #closed = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(endpoint: string, options: WhipSignalerOptions = {}) {
    super();
    if (!/^https?:\/\//.test(endpoint))
      throw new SignalingError(`A WHIP/WHEP endpoint is an http(s) URL, not ${JSON.stringify(endpoint.slice(0, 40))}`, {
        reason: 'bad-url',
      });
    this.endpoint = endpoint;
    this.mode = options.mode ?? 'whip';
    this.receiveOnly = this.mode === 'whep';
    this.#options = options;
  }

  /** `WHIP` or `WHEP`, for messages. */
  get #protocol(): string {
    return this.mode.toUpperCase();
  }

  get #fetch(): typeof fetch {
    return this.#options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    return this.#options.token ? { ...extra, Authorization: `Bearer ${this.#options.token}` } : extra;
  }

  subscribe(listener: (message: SignalMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #deliver(message: SignalMessage): void {
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) listener({ ...message, from: MEDIA_SERVER_ID, to: this.peerId });
    });
  }

  /** HTTP calls go one after another, in the order the session sent its messages. */
  send(message: SignalMessage): Promise<void> {
    if (this.#closed)
      return Promise.reject(new SignalingError('The WHIP/WHEP signaler is closed', { reason: 'closed' }));
    // Candidates wait together: one PATCH carries all that came while the previous was in flight.
    if (message.type === 'candidate') this.#pendingCandidates.push(message.candidate);
    const next = this.#chain.then(() => this.#handle(message));
    this.#chain = next.catch(() => {});
    return next;
  }

  async #handle(message: SignalMessage): Promise<void> {
    switch (message.type) {
      case 'hello':
        // The media server is always there: answer for it, so that the session offers.
        if (message.to === undefined) this.#deliver({ type: 'hello' });
        return;
      case 'description':
        if (message.description.type !== 'offer')
          throw new SignalingError(`A ${this.#protocol} client only sends offers`, { reason: 'unsupported' });
        if (!this.resource) return this.#post(message.description.sdp);
        // WHIP and WHEP have no renegotiation: only an ICE restart may follow the first offer.
        if (!this.#isRestart(message.description.sdp))
          throw new SignalingError(`${this.#protocol} cannot renegotiate: set up every track before the call starts`, {
            reason: 'unsupported',
          });
        return this.#restartIce(message.description.sdp);
      case 'candidate':
        return this.#flushCandidates();
      case 'bye':
        return this.#delete();
      default:
        return;
    }
  }

  async #request(url: string, init: RequestInit, what: string): Promise<Response> {
    let response: Response;
    try {
      // A server that never answers must not hold the session's signaling forever.
      response = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 15000) });
    } catch (error) {
      throw new SignalingError(`${what} failed: ${messageOf(error)}`, { cause: error, reason: 'network' });
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 200);
      throw new SignalingError(`${what} failed: HTTP ${response.status}${text ? `: ${text}` : ''}`, {
        reason: `http-${response.status}`,
      });
    }
    return response;
  }

  async #post(sdp: string): Promise<void> {
    this.#localSdp = sdp;
    const response = await this.#request(
      this.endpoint,
      { method: 'POST', headers: this.#headers({ 'Content-Type': 'application/sdp' }), body: sdp },
      `${this.#protocol} POST`,
    );
    if (response.status !== 201)
      throw new SignalingError(`${this.#protocol} POST answered ${response.status}, not 201 Created`, {
        reason: 'protocol',
      });
    const location = response.headers.get('Location');
    if (!location)
      throw new SignalingError(`${this.#protocol} POST answered without a Location`, { reason: 'protocol' });
    this.resource = new URL(location, this.endpoint).href;
    this.etag = response.headers.get('ETag');
    this.iceServers = parseIceServerLinks(response.headers.get('Link'));
    if (this.iceServers.length)
      this.dispatchEvent(new CustomEvent('iceservers', { detail: { iceServers: this.iceServers } }));
    const answer = await response.text();
    if (!answer.startsWith('v=0'))
      throw new SignalingError(`${this.#protocol} POST answered with a body that is not SDP`, { reason: 'protocol' });
    this.#remoteSdp = answer;
    this.#deliver({ type: 'description', description: { type: 'answer', sdp: answer } });
    await this.#flushCandidates();
  }

  /** Sends the waiting candidates of the current ICE generation (later ones wait for their offer). */
  async #flushCandidates(): Promise<void> {
    if (!this.resource || this.#pendingCandidates.length === 0) return;
    const { ufrag } = iceCredentials(this.#localSdp);
    const current = (c: IceCandidate | null) => c === null || !c.usernameFragment || c.usernameFragment === ufrag;
    const ready = this.#pendingCandidates.filter(current);
    this.#pendingCandidates = this.#pendingCandidates.filter((c) => !current(c));
    if (ready.length) await this.#patchCandidates(ready);
  }

  /** A trickle-ice-sdpfrag body (RFC 8840) for the local offer's ICE credentials and these candidates. */
  #sdpfrag(candidates: Array<IceCandidate | null>, sdp = this.#localSdp): string {
    const { ufrag, pwd, media } = iceParts(sdp);
    const lines = [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`];
    for (const { mline, mid } of media) {
      const mine = candidates.filter(
        (c) =>
          c === null ||
          c.sdpMid === mid ||
          (c.sdpMid === null && c.sdpMLineIndex === media.findIndex((m) => m.mid === mid)),
      );
      if (!mine.length && candidates.length) continue;
      lines.push(mline, `a=mid:${mid}`);
      for (const c of mine) lines.push(c === null ? 'a=end-of-candidates' : `a=${c.candidate.replace(/^a=/, '')}`);
      if (!candidates.length) break;
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  async #patchCandidates(candidates: Array<IceCandidate | null>): Promise<void> {
    if (!this.resource) return;
    const headers = this.#headers({
      'Content-Type': 'application/trickle-ice-sdpfrag',
      ...(this.etag ? { 'If-Match': this.etag } : {}),
    });
    const response = await this.#request(
      this.resource,
      { method: 'PATCH', headers, body: this.#sdpfrag(candidates) },
      `${this.#protocol} PATCH (trickle)`,
    );
    this.etag = response.headers.get('ETag') ?? this.etag;
  }

  /** An ICE restart carries new ICE credentials; any other new offer is a renegotiation. */
  #isRestart(sdp: string): boolean {
    return iceCredentials(sdp).ufrag !== iceCredentials(this.#localSdp).ufrag;
  }

  /**
   * ICE restart: new credentials in a PATCH with `If-Match: *`; the answer is the old one with the server's new
   * credentials.
   */
  async #restartIce(sdp: string): Promise<void> {
    this.#localSdp = sdp;
    const headers = this.#headers({ 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*' });
    const response = await this.#request(
      this.resource as string,
      { method: 'PATCH', headers, body: this.#sdpfrag([], sdp) },
      `${this.#protocol} PATCH (ICE restart)`,
    );
    this.etag = response.headers.get('ETag') ?? this.etag;
    const frag = response.status === 200 ? await response.text() : '';
    const { ufrag, pwd } = iceCredentials(frag);
    let answer = this.#remoteSdp;
    if (ufrag && pwd)
      answer = answer.replace(/a=ice-ufrag:\S+/g, `a=ice-ufrag:${ufrag}`).replace(/a=ice-pwd:\S+/g, `a=ice-pwd:${pwd}`);
    const candidates = frag.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
    if (candidates.length)
      answer = answer.replace(/(\r\nm=[^]*?)(?=\r\nm=|\r\n$)/, (section) => `${section}\r\n${candidates.join('\r\n')}`);
    this.#remoteSdp = answer;
    this.#deliver({ type: 'description', description: { type: 'answer', sdp: answer } });
    await this.#flushCandidates();
  }

  async #delete(): Promise<void> {
    const resource = this.resource;
    this.resource = null;
    if (!resource) return;
    await this.#request(resource, { method: 'DELETE', headers: this.#headers({}) }, `${this.#protocol} DELETE`).catch(
      () => {},
    );
  }

  /** Ends the session (`DELETE`) and stops. Idempotent. */
  close(): void {
    if (this.#closed) return;
    void this.#delete();
    this.#closed = true;
    this.#listeners.clear();
  }
}
