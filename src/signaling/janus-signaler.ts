import { ClientClosedError, SignalingError } from '../errors.js';
import type { IceCandidate, SessionDescription, SignalMessage, Signaler } from '../types.js';

export interface JanusSignalerOptions {
  /** The VideoRoom room (a name; made if it does not exist yet). */
  room: string;
  /** The name others see (VideoRoom `display`). */
  display?: string;
  /** Janus API token (`token_auth`), when the server asks for one. */
  token?: string;
  /** How long one Janus request may take (default 30,000 ms). */
  timeoutMs?: number;
  /** Most publishers a room this signaler makes holds (default 16). */
  maxPublishers?: number;
  /** The WebSocket constructor (default the global one). */
  WebSocket?: typeof WebSocket;
}

/**
 * The two sides Janus plays in signal messages. Sessions are polite by id order, and these two are
 * chosen so that ours (`peerId`, "local") is impolite to the publisher handle (we offer our media)
 * and polite to the subscriber handle (Janus offers everyone else's).
 */
export const JANUS_PUBLISHER = 'sfu-publisher';
export const JANUS_SUBSCRIBER = 'janus-feeds';

/** One stream of the subscriber connection: which participant's it is. */
export interface JanusStream {
  mid: string;
  type: 'audio' | 'video' | 'data';
  /** The participant (publisher) it comes from; absent for the shared data stream. */
  feed?: string;
  /** Its mid on that participant's sending connection. */
  feedMid?: string;
  display?: string;
}

/** A participant publishing in the room. */
export interface JanusFeed {
  id: string;
  display?: string;
}

// Janus's JSON replies, read field by field where used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const KEEPALIVE_MS = 15000;
/** How long `unpublish()` waits for Janus to say it hung up the publisher connection. */
const UNPUBLISH_MS = 3000;
const OPEN = 1; // WebSocket.OPEN, also for a WebSocket class given in the options
const PLUGIN = 'janus.plugin.videoroom';

/**
 * Janus VideoRoom (Janus 1.x, multistream) behind the signaler contract. Sessions talk to two
 * remote ids: `JANUS_PUBLISHER` takes our offers (publish, then configure) and answers them;
 * `JANUS_SUBSCRIBER` offers one connection with every other participant's streams, and our answer
 * starts it. Participants coming and going change that offer (subscribe and unsubscribe);
 * `feeds` and `streams` events say who is in the room and which mid is whose.
 *
 * Events: `feeds` (`{feeds}`; also when `participants` changes), `streams` (`{streams}`, before the
 * offer that has them), `receiving` (`receiving` grew), `track-state` (`{mid, kind, muted}`: our
 * publisher session muted or unmuted a track; Janus relays no such thing), `resubscribe` (Janus hung
 * up the subscriber connection: its next offer is for a new connection), `error` (`{error}`).
 */
export class JanusSignaler extends EventTarget implements Signaler {
  readonly peerId = 'local';
  readonly room: string;
  /** Our participant id, once joined. */
  feedId: string | null = null;
  /** The other participants publishing, by id. */
  readonly feeds = new Map<string, JanusFeed>();
  /** The subscriber connection's streams, as Janus last described them. */
  streams: JanusStream[] = [];
  /** Everyone else in the room, publishing or not yet (VideoRoom `attendees`, `joining`, `publishers`). */
  readonly participants = new Set<string>();
  /** The participants whose data Janus forwards to us: subscribed, and that subscription answered. */
  readonly receiving = new Set<string>();
  readonly #options: JanusSignalerOptions;
  readonly #socket: WebSocket;
  readonly #listeners = new Set<(message: SignalMessage) => void>();
  readonly #pending = new Map<string, { resolve: (m: Json) => void; reject: (e: Error) => void; ack: boolean }>();
  #session = 0;
  #publisher = 0;
  #subscriber = 0;
  #privateId: number | undefined;
  #published = false;
  /** Ends the wait of `unpublish()` once Janus has hung up the publisher connection. */
  #hungUp: (() => void) | undefined;
  #closed = false;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  readonly #joining: Promise<void>;
  /** Publisher requests in order (Janus answers each offer before the next). */
  #publishing: Promise<unknown> = Promise.resolve();
  /** Feeds to add or drop on the subscriber connection, applied once no offer of it is open. */
  #toSubscribe = new Set<string>();
  #toUnsubscribe = new Set<string>();
  #subscriberBusy = false;
  #subscribed = new Set<string>();
  /** Subscribed by the offer being answered: receiving once Janus has the answer. */
  #answering: string[] = [];
  /** Subscribed while Janus still waited for an answer: in its next offer ("updating"). */
  #postponed: string[] = [];
  /** Counts subscriber handles: a reply for one that Janus hung up is for nobody. */
  #generation = 0;

  constructor(url: string, options: JanusSignalerOptions) {
    super();
    if (!/^wss?:\/\//.test(url))
      throw new SignalingError(`Janus is reached over ws:// or wss://, not ${JSON.stringify(url.slice(0, 40))}`, {
        reason: 'bad-url',
      });
    if (typeof options?.room !== 'string' || !options.room)
      throw new SignalingError('A Janus room needs a name', { reason: 'bad-config' });
    this.#options = options;
    this.room = options.room;
    const Socket = options.WebSocket ?? globalThis.WebSocket;
    this.#socket = new Socket(url, 'janus-protocol');
    this.#socket.addEventListener('message', (event) => this.#onMessage(event.data));
    this.#socket.addEventListener('close', () => this.#onSocketClose());
    // Its close follows and says it all (an unheard 'error' throws in Node's ws).
    this.#socket.addEventListener('error', () => {});
    this.#joining = this.#join();
    // Reported by whoever awaits it (the SFU room, every send()): not unhandled here.
    this.#joining.catch(() => {});
  }

  /** Whether Janus is still there for us: not closed, and its WebSocket open. */
  get connected(): boolean {
    return !this.#closed && this.#socket.readyState === OPEN;
  }

  /** Resolves once in the room as a publisher; rejects (`SignalingError`) if joining failed. */
  whenJoined(): Promise<void> {
    return this.#joining;
  }

  subscribe(listener: (message: SignalMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Our side gave up the publisher connection before Janus saw it go (its ICE restarts failed): Janus drops it now and
   * says so, so that its hang-up of that connection cannot end the next one, and the next offer publishes anew.
   */
  async unpublish(): Promise<void> {
    if (!this.#published || this.#closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hungUp = new Promise<void>((resolve) => {
      this.#hungUp = resolve;
      timer = setTimeout(resolve, UNPUBLISH_MS);
    });
    // Refused when Janus hung it up already: its hangup is then on its way, or here.
    await this.#plugin(this.#publisher, { request: 'unpublish' }).catch(() => {});
    if (this.#published) await hungUp;
    clearTimeout(timer);
    this.#hungUp = undefined;
    this.#published = false;
  }

  #deliver(from: string, message: SignalMessage): void {
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) listener({ ...message, from, to: this.peerId } as SignalMessage);
    });
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.dispatchEvent(new CustomEvent('error', { detail: { error } }));
  }

  // ---- the Janus API over the WebSocket ----

  async #opened(): Promise<void> {
    if (this.#socket.readyState === OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.#socket.addEventListener('open', () => resolve(), { once: true });
      this.#socket.addEventListener(
        'close',
        () => reject(new SignalingError('Janus could not be reached', { reason: 'unreachable' })),
        { once: true },
      );
    });
  }

  /** Sends a Janus request; resolves with its reply (for a plugin message: its event, not the ack). */
  #request(body: Json, handle = 0, ackOnly = false): Promise<Json> {
    if (this.#closed) return Promise.reject(new ClientClosedError('The Janus signaler is closed'));
    const transaction = crypto.randomUUID();
    const message: Json = { ...body, transaction };
    if (this.#session) message.session_id = this.#session;
    if (handle) message.handle_id = handle;
    if (this.#options.token) message.token = this.#options.token;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(
          new SignalingError(`Janus did not answer ${body.janus} ${body.body?.request ?? ''} in time`, {
            reason: 'timeout',
          }),
        );
      }, this.#options.timeoutMs ?? 30000);
      this.#pending.set(transaction, {
        ack: body.janus === 'message' && !ackOnly,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#socket.send(JSON.stringify(message));
    });
  }

  /** A VideoRoom request on `handle`: resolves with its plugin data (and the JSEP, if any), rejects with its error. */
  async #plugin(
    handle: number,
    body: Json,
    jsep?: SessionDescription,
    ackOnly = false,
  ): Promise<{ data: Json; jsep?: SessionDescription }> {
    const reply = await this.#request(
      { janus: 'message', body, ...(jsep ? { jsep: { type: jsep.type, sdp: jsep.sdp } } : {}) },
      handle,
      ackOnly,
    );
    const data = reply.plugindata?.data ?? {};
    if (data.error_code !== undefined)
      throw new SignalingError(`Janus VideoRoom ${body.request}: ${data.error ?? data.error_code}`, {
        reason: `janus-${data.error_code}`,
      });
    return { data, jsep: reply.jsep };
  }

  #onMessage(raw: unknown): void {
    let message: Json;
    try {
      message = JSON.parse(String(raw));
    } catch {
      return;
    }
    const waiting = typeof message.transaction === 'string' ? this.#pending.get(message.transaction) : undefined;
    if (waiting && message.janus === 'ack' && waiting.ack) return; // its event follows
    if (waiting) {
      this.#pending.delete(message.transaction);
      if (message.janus === 'error')
        waiting.reject(
          new SignalingError(`Janus: ${message.error?.reason ?? 'error'}`, {
            reason: `janus-${message.error?.code ?? 'error'}`,
          }),
        );
      else waiting.resolve(message);
      return;
    }
    const handle = message.sender;
    if (message.janus === 'trickle') {
      const from =
        handle === this.#publisher ? JANUS_PUBLISHER : handle === this.#subscriber ? JANUS_SUBSCRIBER : undefined;
      const c = message.candidate ?? {};
      if (from)
        this.#deliver(from, {
          type: 'candidate',
          candidate: c.completed
            ? null
            : ({
                candidate: c.candidate,
                sdpMid: c.sdpMid ?? null,
                sdpMLineIndex: c.sdpMLineIndex ?? null,
              } as IceCandidate),
        });
      return;
    }
    if (message.janus === 'event') this.#onPluginEvent(handle, message.plugindata?.data ?? {}, message.jsep);
    if (message.janus === 'hangup' && handle && handle === this.#publisher) {
      // Still in the room, no longer publishing: the next offer publishes again.
      this.#published = false;
      this.#deliver(JANUS_PUBLISHER, { type: 'bye', reason: message.reason ?? 'hangup' });
      // After the bye's delivery: it reaches the old session, never the one made after unpublish().
      this.#hungUp?.();
      this.#hungUp = undefined;
    }
    if (message.janus === 'hangup' && handle && handle === this.#subscriber) this.#resubscribe();
  }

  /**
   * Janus gave up on the subscriber connection (its DTLS or ICE timed out, or the browser closed it): it would answer
   * no more updates on that handle, so a new handle subscribes to everyone again, on a new connection.
   */
  #resubscribe(): void {
    if (this.#closed) return;
    this.#request({ janus: 'detach' }, this.#subscriber).catch(() => {});
    this.#subscriber = 0;
    this.#generation++;
    this.#subscriberBusy = false;
    this.#subscribed.clear();
    this.#answering = [];
    this.#postponed = [];
    this.#toUnsubscribe.clear();
    this.#toSubscribe = new Set(this.feeds.keys());
    this.receiving.clear();
    this.dispatchEvent(new CustomEvent('resubscribe'));
    void this.#updateSubscriber();
  }

  /** Events Janus sends by itself: participants coming and going, and new offers for the subscriber. */
  #onPluginEvent(handle: number, data: Json, jsep?: SessionDescription): void {
    if (handle === this.#publisher) {
      if (data.joining?.id !== undefined) this.#addParticipants([data.joining]);
      if (Array.isArray(data.publishers)) this.#addFeeds(data.publishers);
      for (const gone of [data.leaving, data.unpublished])
        if (gone !== undefined && gone !== 'ok') this.#removeFeed(String(gone));
      if (data.leaving !== undefined && this.participants.delete(String(data.leaving))) this.#fireFeeds();
      return;
    }
    if (handle === this.#subscriber && jsep?.type === 'offer') this.#offerFromSubscriber(data, jsep);
  }

  #addParticipants(list: Json[]): void {
    for (const p of list) if (String(p.id) !== this.feedId) this.participants.add(String(p.id));
    this.#fireFeeds();
  }

  #addFeeds(publishers: Json[]): void {
    this.#addParticipants(publishers);
    for (const p of publishers) {
      const id = String(p.id);
      if (id === this.feedId || this.feeds.has(id)) continue;
      this.feeds.set(id, { id, ...(p.display ? { display: String(p.display) } : {}) });
      this.#toSubscribe.add(id);
      this.#toUnsubscribe.delete(id);
    }
    this.#fireFeeds();
    void this.#updateSubscriber();
  }

  #removeFeed(id: string): void {
    this.receiving.delete(id);
    if (!this.feeds.delete(id)) return;
    this.#toSubscribe.delete(id);
    if (this.#subscribed.has(id)) this.#toUnsubscribe.add(id);
    this.#fireFeeds();
    void this.#updateSubscriber();
  }

  #fireFeeds(): void {
    this.dispatchEvent(new CustomEvent('feeds', { detail: { feeds: [...this.feeds.values()] } }));
  }

  // ---- joining, publishing, subscribing ----

  async #join(): Promise<void> {
    await this.#opened();
    const created = await this.#request({ janus: 'create' });
    this.#session = created.data.id;
    this.#keepalive = setInterval(() => {
      this.#request({ janus: 'keepalive' }).catch(() => {});
    }, KEEPALIVE_MS);
    this.#publisher = (await this.#request({ janus: 'attach', plugin: PLUGIN })).data.id;
    const { data: exists } = await this.#plugin(this.#publisher, { request: 'exists', room: this.room });
    if (!exists.exists) {
      try {
        await this.#plugin(this.#publisher, {
          request: 'create',
          room: this.room,
          publishers: this.#options.maxPublishers ?? 16,
          videocodec: 'vp8',
          audiocodec: 'opus',
          notify_joining: true,
          // A keyframe asked of every publisher every 10 s: a layer switch (or a newcomer) whose keyframe
          // request the browser ignored does not wait for the next keyframe the encoder makes by itself.
          fir_freq: 10,
        });
      } catch (error) {
        // Someone else made it meanwhile (427: room exists): join theirs.
        if ((error as SignalingError).reason !== 'janus-427') throw error;
      }
    }
    const { data: joined } = await this.#plugin(this.#publisher, {
      request: 'join',
      ptype: 'publisher',
      room: this.room,
      ...(this.#options.display ? { display: this.#options.display } : {}),
    });
    this.feedId = String(joined.id);
    this.#privateId = joined.private_id;
    this.#addParticipants(joined.attendees ?? []);
    this.#addFeeds(joined.publishers ?? []);
  }

  /** A new subscriber offer: what its mids are, then the offer itself. */
  #offerFromSubscriber(data: Json, jsep: SessionDescription): void {
    if (Array.isArray(data.streams)) {
      this.streams = data.streams
        .filter((s: Json) => s.active !== false && s.mid !== undefined)
        .map((s: Json) => ({
          mid: String(s.mid),
          type: s.type,
          ...(s.feed_id !== undefined ? { feed: String(s.feed_id) } : {}),
          ...(s.feed_mid !== undefined ? { feedMid: String(s.feed_mid) } : {}),
          ...(s.feed_display ? { display: String(s.feed_display) } : {}),
        }));
      this.dispatchEvent(new CustomEvent('streams', { detail: { streams: this.streams } }));
    }
    this.#subscriberBusy = true;
    this.#answering.push(...this.#postponed.splice(0));
    this.#deliver(JANUS_SUBSCRIBER, { type: 'description', description: { type: 'offer', sdp: jsep.sdp } });
  }

  /** Subscribes to the feeds that came and drops those that went, once no subscriber offer is open. */
  async #updateSubscriber(): Promise<void> {
    if (this.#subscriberBusy || this.#closed || !this.feedId) return;
    const add = [...this.#toSubscribe];
    const drop = [...this.#toUnsubscribe].filter((id) => this.#subscribed.has(id));
    this.#toSubscribe.clear();
    this.#toUnsubscribe.clear();
    if (!add.length && !drop.length) return;
    this.#subscriberBusy = true;
    const generation = this.#generation;
    try {
      let reply: { data: Json; jsep?: SessionDescription };
      if (!this.#subscriber) {
        this.#subscriber = (await this.#request({ janus: 'attach', plugin: PLUGIN })).data.id;
        reply = await this.#plugin(this.#subscriber, {
          request: 'join',
          ptype: 'subscriber',
          room: this.room,
          streams: add.map((feed) => ({ feed })),
          ...(this.#privateId !== undefined ? { private_id: this.#privateId } : {}),
        });
      } else if (add.length) {
        if (drop.length) await this.#unsubscribe(drop);
        reply = await this.#plugin(this.#subscriber, { request: 'subscribe', streams: add.map((feed) => ({ feed })) });
      } else {
        reply = await this.#unsubscribe(drop);
      }
      if (generation !== this.#generation) return;
      for (const id of add) this.#subscribed.add(id);
      for (const id of drop) this.#subscribed.delete(id);
      // Janus still waits for the answer to an offer it sent meanwhile: its next offer has these.
      if (reply.data.videoroom === 'updating') this.#postponed.push(...add);
      else this.#answering.push(...add);
      if (reply.jsep?.type === 'offer') this.#offerFromSubscriber(reply.data, reply.jsep);
      else this.#subscriberBusy = false;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#subscriberBusy = false;
      // A feed that left while we asked for it: nothing to show, not an error.
      if ((error as SignalingError).reason !== 'janus-428') this.#fail(error);
    }
    if (!this.#subscriberBusy) void this.#updateSubscriber();
  }

  #unsubscribe(feeds: string[]) {
    return this.#plugin(this.#subscriber, { request: 'unsubscribe', streams: feeds.map((feed) => ({ feed })) });
  }

  /**
   * Asks Janus to forward one simulcast layer (0 lowest .. 2 highest) of the video at `mid` of the subscriber
   * connection.
   */
  async setSubstream(mid: string, substream: number): Promise<void> {
    await this.#joining;
    await this.#plugin(this.#subscriber, { request: 'configure', streams: [{ mid, substream }] });
  }

  send(message: SignalMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new ClientClosedError('The Janus signaler is closed'));
    // Without a room there is nothing to send to: `whenJoined()` reports that, once, not every message.
    return this.#joining.then(
      () => this.#handle(message),
      () => {},
    );
  }

  async #handle(message: SignalMessage): Promise<void> {
    const to = message.to;
    if (message.type === 'candidate') {
      const handle = to === JANUS_SUBSCRIBER ? this.#subscriber : this.#publisher;
      const c = message.candidate;
      if (handle)
        await this.#request(
          {
            janus: 'trickle',
            candidate: c
              ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }
              : { completed: true },
          },
          handle,
        );
      return;
    }
    if (message.type === 'description' && to === JANUS_SUBSCRIBER) {
      // For a subscriber connection Janus hung up: the new one gets its own offer.
      if (!this.#subscriber) return;
      // An offer of ours is an ICE restart: Janus makes it (its offer then wins, as the polite side yields).
      if (message.description.type === 'offer') {
        const { data, jsep } = await this.#plugin(this.#subscriber, { request: 'configure', restart: true });
        if (jsep?.type === 'offer') this.#offerFromSubscriber(data, jsep);
        return;
      }
      try {
        // Janus says nothing more than its ack to the answer of a renegotiation.
        await this.#plugin(this.#subscriber, { request: 'start' }, message.description, true);
        const answered = this.#answering.splice(0).filter((id) => this.#subscribed.has(id));
        for (const id of answered) this.receiving.add(id);
        if (answered.length) this.dispatchEvent(new CustomEvent('receiving'));
      } finally {
        this.#subscriberBusy = false;
        void this.#updateSubscriber();
      }
      return;
    }
    if (message.type === 'description') {
      if (message.description.type !== 'offer')
        throw new SignalingError('Janus answers the publisher: ours can only offer', { reason: 'unsupported' });
      const request = this.#published ? 'configure' : 'publish';
      this.#published = true;
      const reply = this.#publishing.then(() =>
        this.#plugin(
          this.#publisher,
          { request, ...(this.#options.display ? { display: this.#options.display } : {}) },
          message.description,
        ),
      );
      this.#publishing = reply.catch(() => {});
      const { jsep } = await reply;
      if (jsep)
        this.#deliver(JANUS_PUBLISHER, { type: 'description', description: { type: jsep.type, sdp: jsep.sdp } });
      return;
    }
    // Janus relays no track state: the SFU room sends it to the others itself.
    if (message.type === 'track-state')
      this.dispatchEvent(
        new CustomEvent('track-state', { detail: { mid: message.mid, kind: message.kind, muted: message.muted } }),
      );
    // hello, bye: Janus needs neither (bye: close() leaves the room).
  }

  #onSocketClose(): void {
    if (this.#closed) return;
    for (const [, waiting] of this.#pending)
      waiting.reject(new SignalingError('The connection to Janus closed', { reason: 'unreachable' }));
    this.#pending.clear();
    clearInterval(this.#keepalive);
    // The sessions end: without Janus nothing flows. (Never in the room: `whenJoined()` says why.)
    if (!this.#session) return;
    for (const from of [JANUS_PUBLISHER, JANUS_SUBSCRIBER])
      this.#deliver(from, { type: 'bye', reason: 'janus-closed' });
    this.#fail(new SignalingError('The connection to Janus closed', { reason: 'unreachable' }));
  }

  /** Leaves the room and ends the Janus session. Idempotent. */
  close(): void {
    if (this.#closed) return;
    clearInterval(this.#keepalive);
    if (this.#socket.readyState === OPEN && this.#session) {
      // Destroying the session detaches both handles: the others see us leave at once.
      this.#socket.send(
        JSON.stringify({
          janus: 'destroy',
          session_id: this.#session,
          transaction: crypto.randomUUID(),
          ...(this.#options.token ? { token: this.#options.token } : {}),
        }),
      );
    }
    this.#closed = true;
    for (const [, waiting] of this.#pending) waiting.reject(new ClientClosedError('The Janus signaler is closed'));
    this.#pending.clear();
    this.#listeners.clear();
    this.#socket.close();
  }
}
