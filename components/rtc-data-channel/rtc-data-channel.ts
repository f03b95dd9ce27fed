import { ReactiveElement, type PropertyValues } from '@lit/reactive-element';
import {
  DataChannelClosedError,
  DataChannelError,
  type DataChannelMessage,
  type DataChannelOptions,
  type DataChannelSendable,
  type WebRtcDataChannel,
  type WebRtcPeerConnection,
} from '../../src/index.js';
import { copyOf } from '../../src/data-channel.js';
import { loadPart } from '../../src/errors.js';
import { fire, fireError } from '../events.js';
import type { CallChannel } from '../rtc-call/rtc-call.js';
import { CallFinder } from '../call-of.js';
import { channelIdFor } from '../../src/channel-id.js';
import { lateChanges } from '../late-change.js';
import type { FileTransfer } from './file-transfer.js';

/** Which element made a channel: the other side of an id collision hears of it too. */
const owners = new WeakMap<WebRtcDataChannel, RtcDataChannel>();

/** Longest wait for Firefox to free the id of a closed channel that never opened (it takes a tick). */
const ID_FREE_MS = 50;

/** `ordered="false"` turns ordering off; the attribute alone, or any other value, keeps it on. */
const orderedConverter = {
  fromAttribute: (value: string | null) => value !== 'false',
  toAttribute: (value: boolean) => String(value),
};

/**
 * One data channel of a call. Declared with the same label on both sides it is one channel (a
 * negotiated channel whose id both sides derive from the label). `send` before the channel is
 * open waits; received messages come out as `rtc-message` events. The options are read when the
 * channel opens on a connection: changing one while it is in use is `rtc-channel-error` code `config`.
 *
 * @tag rtc-data-channel
 * @summary A data channel of the enclosing (or referenced) `<rtc-call>`.
 * @attr label - The channel's label; the same on both sides (default "data").
 * @attr ordered - `ordered="false"` allows out-of-order delivery (default ordered).
 * @attr max-retransmits - Partial reliability: retransmissions before giving up.
 * @attr max-packet-life-time - Partial reliability: milliseconds before giving up.
 * @attr protocol - Subprotocol name.
 * @attr channel-id - An explicit SCTP stream id, the same on both sides (default: derived from the label: FNV-1a 32-bit
 * over its UTF-16 code units, mod 1024; "chat" is 427; docs/PROTOCOL.md; two labels with one id are `rtc-channel-error`
 * reason `id-collision`).
 * @attr call - The id of the `<rtc-call>` to use, when this element is not inside it (in the same document or shadow
 * root; found also when it comes later in the page or replaces the one named).
 * @attr files - Also open a channel for files: `sendFile()`, `rtc-file`, `rtc-file-progress` (both sides).
 * @fires rtc-file - A file is arriving: `{file: {id, name, size, mimeType, stream}}`.
 * @fires rtc-file-progress - File bytes sent or received so far: `{id, name, size, bytes, direction}`.
 * @attr fragment - Split messages larger than the connection allows and join them again (both sides).
 * @fires rtc-open - The channel opened: `{channel}`.
 * @fires rtc-message - A message arrived: `{data}`, a string or a Uint8Array (in a mesh also `peer`, who sent it).
 * @fires rtc-bufferedamountlow - The send buffer drained: `{bufferedAmount}`.
 * @attr receive-queue-bytes - Bytes received and not yet delivered that the channel holds (default 16 MiB); in fragment
 * mode also the largest message (set it on both sides).
 * @fires rtc-channel-close - The channel closed (the call goes on): `{reason, peer?}`.
 * @fires rtc-channel-error - Something of this channel failed (a send, a file, an option changed while open, a channel
 * id that two labels share): `{error, code}`.
 */
export class RtcDataChannel extends ReactiveElement implements CallChannel {
  // Declared here rather than with decorators (no decorator code in the bundle); the fields below
  // give the defaults, through Lit's accessors since useDefineForClassFields is false.
  static override properties = {
    label: {},
    ordered: { converter: orderedConverter },
    maxRetransmits: { attribute: 'max-retransmits', type: Number },
    maxPacketLifeTime: { attribute: 'max-packet-life-time', type: Number },
    protocol: {},
    channelId: { attribute: 'channel-id', type: Number },
    call: {},
    fragment: { type: Boolean },
    files: { type: Boolean },
    receiveQueueBytes: { attribute: 'receive-queue-bytes', type: Number },
  };
  label = 'data';
  ordered = true;
  maxRetransmits: number | null = null;
  maxPacketLifeTime: number | null = null;
  protocol = '';
  channelId: number | null = null;
  call: string | null = null;
  /** Split large messages and join them on the other side (set it on both sides). */
  fragment = false;
  /** Open a second channel for `sendFile` (set it on both sides). */
  files = false;
  /**
   * Bytes received and not yet delivered that the channel holds (default 16 MiB); with `fragment`, the largest message
   * (both sides).
   */
  receiveQueueBytes: number | null = null;

  #fileTransfer: FileTransfer | null = null;
  #filesChannel: WebRtcDataChannel | undefined;
  /** What each channel this element made read when it made it, and on which connection (only these send). */
  readonly #opened = new WeakMap<
    WebRtcDataChannel,
    { connection: WebRtcPeerConnection; peer?: string; read: Record<string, unknown> }
  >();

  /** In a mesh call: this channel to each remote peer, by peer id. */
  get peerChannels(): ReadonlyMap<string, WebRtcDataChannel> {
    return this.#meshChannels;
  }
  /** The engine channel, once attached to a connection. */
  get channel(): WebRtcDataChannel | null {
    return this.#channel;
  }
  /**
   * `connecting`, `open`, `closing` or `closed`; `closed` before a call attaches it; in a mesh `open` while any peer's
   * is.
   */
  get state(): RTCDataChannelState {
    return [...this.#meshChannels.values()].some((c) => c.state === 'open')
      ? 'open'
      : (this.#channel?.state ?? 'closed');
  }

  #channel: WebRtcDataChannel | null = null;
  /** In a mesh call: one channel per remote peer. */
  readonly #meshChannels = new Map<string, WebRtcDataChannel>();
  /** Channels whose end was reported, so that `rtc-channel-close` fires once per channel. */
  readonly #reported = new WeakSet<WebRtcDataChannel>();
  readonly #closeReasons = new WeakMap<WebRtcDataChannel, string>();
  /** `close()` was called: no connection opens it again until the element leaves the page. */
  #userClosed = false;
  /** The call: the channel opens on its connections (it may not be upgraded yet, if defined after this element). */
  readonly #finder = new CallFinder(this, (call, old) => {
    if (old) {
      old.removeChannel(this);
      // Its channels on the old call's connections are no longer this element's.
      this.#detachAll(this.isConnected ? 'call-changed' : 'disconnected');
    }
    if (typeof call?.addChannel === 'function') call.addChannel(this);
    else if (call)
      void customElements.whenDefined('rtc-call').then(() => {
        if (this.#finder.call === call) call.addChannel(this);
      });
  });
  /**
   * `whenOpen()` and `send()` calls waiting for a channel to open: they wait across reconnects,
   * until the element leaves the page. Called as it opens, in order, before `rtc-open`.
   */
  #waiters: Array<{ resolve: (channel: WebRtcDataChannel) => void; reject: (error: Error) => void }> = [];
  #receivers: Array<{ resolve: (data: DataChannelMessage) => void; reject: (error: Error) => void }> = [];

  /**
   * Reports anything thrown as `rtc-channel-error` (a `WebRtcError` keeps its code; anything else is a
   * `DataChannelError`).
   */
  #fail(error: unknown): void {
    fireError(this, error, (message, cause) => new DataChannelError(message, { cause }), 'rtc-channel-error');
  }

  // No shadow DOM and nothing to render: the element is only an anchor in the page.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // After the finder's own microtask, which let go of the call and closed the channels.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.#userClosed = false;
      // Nothing will open or arrive any more: sends and receives still waiting fail instead of hanging.
      const error = this.#closedError('disconnected');
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
      for (const receiver of this.#receivers.splice(0)) receiver.reject(error);
    });
  }

  protected override updated(changed: PropertyValues): void {
    // attach() read the rest. A channel not open yet is made again with the change; an open one
    // keeps what it read, and a value other than that is a late change.
    const late = new Set<string>();
    for (const channel of new Set([this.#channel, ...this.#meshChannels.values()])) {
      const at = channel && this.#opened.get(channel);
      const differ = at ? Object.keys(at.read).filter((name) => this[name as 'label'] !== at.read[name]) : [];
      if (!at || !differ.length) continue;
      if (channel.state === 'connecting') this.#reopen(channel, at.connection, at.peer);
      else if (channel.state === 'open') for (const name of differ) late.add(name);
    }
    for (const error of lateChanges(changed, (name) => late.has(name), 'connection')) this.#fail(error);
  }

  /**
   * A channel that never opened takes a changed option: it is made again, without a word (nothing opened or closed for
   * the page).
   */
  #reopen(channel: WebRtcDataChannel, connection: WebRtcPeerConnection, peer?: string): void {
    this.#reported.add(channel);
    channel.close();
    if (peer === undefined) this.#filesChannel?.close();
    // Firefox frees the id once the old channel's close event has fired; Chromium at once, and
    // fires none while the connection has no SCTP transport yet.
    const again = () => {
      clearTimeout(timer);
      channel.native.removeEventListener('close', again);
      const current = peer === undefined ? this.#channel : this.#meshChannels.get(peer);
      if (this.#finder.call && !connection.isClosed && current === channel) this.attach(connection, peer);
    };
    const timer = setTimeout(again, ID_FREE_MS);
    channel.native.addEventListener('close', again);
  }

  /**
   * @internal Opens this channel on a new connection of the call (in a mesh, one per `peer`), or takes `given` (an
   * SFU's, from `peer`).
   */
  attach(connection: WebRtcPeerConnection, peer?: string, given?: WebRtcDataChannel): void {
    if (this.#userClosed) return;
    const channel =
      given ??
      this.#open(connection, this.label, this.channelId ?? channelIdFor(this.label), {
        ordered: this.ordered,
        fragment: this.fragment,
        // Undefined is "not set" for the browser; null would be 0.
        maxRetransmits: this.maxRetransmits ?? undefined,
        maxPacketLifeTime: this.maxPacketLifeTime ?? undefined,
        protocol: this.protocol,
        receiveQueueBytes: this.receiveQueueBytes ?? undefined,
      });
    if (!channel) return;
    // What it read: every property but `call`.
    const read = Object.fromEntries(
      Object.keys(RtcDataChannel.properties).map((name) => [name, this[name as 'label']]),
    );
    delete read.call;
    // Not one an SFU gave: that one only receives (ours go up the call's sending connection), and is not made again.
    if (!given) this.#opened.set(channel, { connection, peer, read });
    if (peer === undefined) {
      this.#channel = channel;
      if (this.files) this.#attachFiles(connection);
    } else {
      this.#meshChannels.set(peer, channel);
      this.#channel ??= channel;
    }
    channel.addEventListener('open', () => {
      if (peer === undefined ? this.#channel !== channel : this.#meshChannels.get(peer) !== channel) return;
      // Sends made before the open go first, in their order: before anything an rtc-open handler sends.
      if (!given) for (const waiter of this.#waiters.splice(0)) waiter.resolve(channel);
      fire(this, 'rtc-open', peer === undefined ? { channel } : { channel, peer });
    });
    channel.addEventListener('bufferedamountlow', () =>
      fire(this, 'rtc-bufferedamountlow', { bufferedAmount: channel.bufferedAmount }),
    );
    channel.addEventListener('error', (e) => this.#fail(e.detail.error));
    void this.#pump(channel, peer);
  }

  #attachFiles(connection: WebRtcPeerConnection): void {
    const label = `${this.label}:files`;
    void this.#loadFileTransfer().then(
      (transfer) => {
        const channel = connection.isClosed
          ? undefined
          : this.#open(connection, label, channelIdFor(label), { ordered: true });
        if (channel) transfer.attach((this.#filesChannel = channel));
      },
      (error) => this.#fail(error),
    );
  }

  /**
   * A negotiated channel on `connection`, or none (reported) when that fails, or when `id` is
   * taken there: two labels that give one id would be one channel, each side pairing them by its
   * own order. Both elements hear of it.
   */
  #open(
    connection: WebRtcPeerConnection,
    label: string,
    id: number,
    options: DataChannelOptions,
  ): WebRtcDataChannel | undefined {
    const holder = connection.dataChannels.find((c) => c.id === id);
    try {
      if (holder) {
        const error = new DataChannelError(
          `Data channel "${label}" has id ${id}, as has "${holder.label}": give one a channel-id`,
          { reason: 'id-collision' },
        );
        const other = owners.get(holder);
        if (other && other !== this) other.#fail(error);
        throw error;
      }
      // Janus relays only channels it saw open (DCEP), under the sender's id: the label does not reach the others.
      const channel = connection.createDataChannel(label, {
        ...options,
        ...(this.#finder.call?.sfu ? {} : { negotiated: true, id }),
      });
      owners.set(channel, this);
      return channel;
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Sends a file (any `Blob`) on the files channel (needs the `files` attribute on both sides).
   * Resolves with its id once the other side has all of it; after a reconnect it resumes.
   */
  async sendFile(file: Blob, name?: string): Promise<string> {
    if (!this.files) throw new DataChannelError('sendFile needs the "files" attribute', { reason: 'files-off' });
    // A mesh opens no file channels: without this the file would wait for one for ever.
    if (this.#finder.call?.mesh)
      throw new DataChannelError('sendFile does not work in a mesh', { reason: 'files-mesh' });
    return (await this.#loadFileTransfer()).send(file, name);
  }

  /** File transfer is loaded when first used: most channels carry messages only. */
  async #loadFileTransfer(): Promise<FileTransfer> {
    if (this.#fileTransfer) return this.#fileTransfer;
    const { FileTransfer } = await loadPart('file transfer', () => import('./file-transfer.js'));
    this.#fileTransfer ??= new FileTransfer(
      (file) => fire(this, 'rtc-file', { file }),
      (progress) => fire(this, 'rtc-file-progress', progress),
      (error) => this.#fail(error),
    );
    return this.#fileTransfer;
  }

  /** Delivers every message as `rtc-message` (and to pending `receive()` calls), in order. */
  async #pump(channel: WebRtcDataChannel, peer?: string): Promise<void> {
    try {
      for (;;) {
        let data: DataChannelMessage | null = await channel.receive();
        // Then whatever else is already queued, without a promise per message.
        while (data !== null) {
          for (const receiver of this.#receivers.splice(0)) receiver.resolve(data);
          fire(this, 'rtc-message', peer === undefined ? { data } : { data, peer });
          data = channel.tryReceive();
        }
      }
    } catch (error) {
      if (!(error instanceof DataChannelClosedError)) this.#fail(error);
    }
    // After the last message: native order is open, messages, close.
    this.#reportClose(channel, this.#closeReasons.get(channel) ?? 'closed', peer);
  }

  #reportClose(channel: WebRtcDataChannel, reason: string, peer?: string): void {
    if (this.#reported.has(channel)) return;
    this.#reported.add(channel);
    const error = new DataChannelClosedError(`Data channel "${this.label}" closed: ${reason}`, { reason });
    for (const receiver of this.#receivers.splice(0)) receiver.reject(error);
    fire(this, 'rtc-channel-close', { reason, peer });
  }

  /** @internal The call's session (with `peer`, in a mesh) ended. */
  detach(reason: string, peer?: string): void {
    const channel = peer === undefined ? this.#channel : this.#meshChannels.get(peer);
    if (peer !== undefined) {
      this.#meshChannels.delete(peer);
      if (this.#channel === channel) this.#channel = this.#meshChannels.values().next().value ?? null;
    }
    if (!channel || this.#closeReasons.has(channel)) return;
    this.#closeReasons.set(channel, reason);
    channel.close();
  }

  /** Closes the channel on every connection (every mesh peer's); each fires rtc-channel-close with `reason`. */
  #detachAll(reason: string): void {
    for (const peer of [undefined, ...this.#meshChannels.keys()]) this.detach(reason, peer);
  }

  /**
   * Resolves with the channel once it is open (waits for the call and the peer); rejects if the element leaves the page
   * first.
   */
  whenOpen(): Promise<WebRtcDataChannel> {
    if (this.#userClosed) return Promise.reject(this.#closedError('closed'));
    const channel = this.#sending;
    return channel
      ? Promise.resolve(channel)
      : new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The channel that sends, if it is open: not one an SFU gave, which only receives. */
  get #sending(): WebRtcDataChannel | undefined {
    const channel = this.#channel;
    return channel?.state === 'open' && this.#opened.has(channel) ? channel : undefined;
  }

  /**
   * Sends text or bytes. Before the channel is open (no peer yet, or the peer is coming back) it
   * waits; under backpressure it waits; it never drops.
   */
  send(data: DataChannelSendable): Promise<void> {
    if (this.#userClosed) return Promise.reject(this.#closedError('closed'));
    // A mesh: to every peer (a channel still connecting waits until it is open); an SFU: up its sending connection.
    // With none open or connecting, it waits below for the next one, as a one-to-one call does.
    const live = [...this.#meshChannels.values()].filter(
      (c) => this.#opened.has(c) && (c.state === 'open' || c.state === 'connecting'),
    );
    if (live.length > 0) return Promise.all(live.map((c) => c.send(data))).then(() => undefined);
    const channel = this.#sending;
    if (channel) return channel.send(data);
    // Copied now: the caller may reuse its buffer (Wasm memory) before the channel opens.
    const copy = copyOf(data);
    return new Promise((resolve, reject) =>
      this.#waiters.push({
        resolve: (open) => {
          open.send(copy).then(resolve, reject);
        },
        reject,
      }),
    );
  }

  /** Resolves with the next message that arrives (it is also fired as `rtc-message`). */
  receive(): Promise<DataChannelMessage> {
    if (this.#userClosed) return Promise.reject(this.#closedError('closed'));
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  /**
   * Closes this channel, in a mesh every peer's (the call goes on; each fires rtc-channel-close),
   * and keeps it closed: the call's later connections do not open it again. Taken out of the page
   * and put back, the element is new again.
   */
  close(): void {
    this.#userClosed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError('closed'));
    for (const channel of [this.#channel, ...this.#meshChannels.values(), this.#filesChannel]) channel?.close();
  }

  /** `reason`: `closed` (by close()) or `disconnected` (the element left the page). */
  #closedError(reason: string): DataChannelClosedError {
    return new DataChannelClosedError(`Data channel "${this.label}" was closed (${reason})`, { reason });
  }
}
