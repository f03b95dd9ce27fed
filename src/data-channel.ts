import { DataChannelClosedError, DataChannelError, loadPart, messageOf, type WebRtcError } from './errors.js';
import type { Reassembler } from './fragments.js';
import type { AddDetailListener, RemoveDetailListener } from './typed-events.js';

/** What `receive()` gives: text as a `string`, binary as a `Uint8Array`. */
export type DataChannelMessage = string | Uint8Array;

/** What `send()` takes. Views may point into a larger buffer, Wasm memory included. */
export type DataChannelSendable = string | ArrayBuffer | ArrayBufferView | Blob;

export interface DataChannelOptions {
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
  protocol?: string;
  negotiated?: boolean;
  id?: number;
  /** Bytes the pull queue may hold before the channel reports an overflow. Default 16 MiB. */
  receiveQueueBytes?: number;
  /** `send()` waits while more than this many bytes are buffered. Default 1 MiB. */
  highWaterMark?: number;
  /** The native `bufferedAmountLowThreshold`. Default a quarter of `highWaterMark`. */
  bufferedAmountLowThreshold?: number;
  /**
   * Split messages into pieces and join them on receipt, so that a message larger than the
   * connection's `maxMessageSize` arrives whole instead of being refused. Both ends must set it
   * (each message then carries a one-unit header). Default false: such a message is refused
   * with a `DataChannelError` whose reason is `message-too-big`.
   */
  fragment?: boolean;
  /** Largest piece in fragment mode, in bytes (default 64 KiB, and never above `maxMessageSize`). */
  fragmentBytes?: number;
}

export type DataChannelEventType = 'open' | 'closing' | 'closed' | 'bufferedamountlow' | 'error';

/** One entry of `WebRtcPeerConnection.dataChannelEvents` (Ktor's `DataChannelEvent`). */
export interface DataChannelEvent {
  type: DataChannelEventType;
  channel: WebRtcDataChannel;
  error?: WebRtcError;
}

type Expect = 'any' | 'text' | 'binary';
interface Receiver {
  expect: Expect;
  resolve(message: DataChannelMessage): void;
  reject(error: Error): void;
}

const DEFAULT_RECEIVE_QUEUE_BYTES = 16 * 1024 * 1024;
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** `send()` re-checks `bufferedAmount` this often in case a `bufferedamountlow` event is missed. */
const BACKPRESSURE_POLL_MS = 20;
/** Chromium's send queue holds at most 16 MiB: a send past it throws, whatever `highWaterMark` says. */
const BROWSER_QUEUE_BYTES = 16 * 1024 * 1024;

function sizeOf(message: DataChannelMessage): number {
  return typeof message === 'string' ? message.length * 2 : message.byteLength;
}

/** The error for what `send()` cannot take, or undefined when it can. */
function unsupportedType(data: unknown): DataChannelError | undefined {
  if (typeof data === 'string' || data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    return undefined;
  return new DataChannelError(`send() takes a string, bytes or a Blob, not ${typeof data}`, {
    reason: 'unsupported-type',
  });
}

/** @internal Copies the bytes now, so a caller may reuse its buffer (Wasm memory, say) once `send` returns. */
export function copyOf<T extends DataChannelSendable>(data: T): T | Uint8Array {
  if (typeof data === 'string' || data instanceof Blob) return data;
  const view =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(
          (data as ArrayBufferView).buffer,
          (data as ArrayBufferView).byteOffset,
          (data as ArrayBufferView).byteLength,
        );
  return view.slice();
}

/** Normalizes what the transport delivered (ArrayBuffer in browsers, Buffer in Node stacks). */
function toMessage(data: unknown): DataChannelMessage {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new DataChannelError(`Unsupported message: ${Object.prototype.toString.call(data)}`, {
    reason: 'unsupported-message-type',
  });
}

/** The `detail` of a channel's events: the channel, and for `error` what failed. */
export interface DataChannelEventDetail {
  open: { channel: WebRtcDataChannel };
  closing: { channel: WebRtcDataChannel };
  close: { channel: WebRtcDataChannel };
  bufferedamountlow: { channel: WebRtcDataChannel };
  error: { channel: WebRtcDataChannel; error: WebRtcError };
}

export interface WebRtcDataChannel {
  addEventListener: AddDetailListener<DataChannelEventDetail>;
  removeEventListener: RemoveDetailListener<DataChannelEventDetail>;
}

/**
 * A data channel with Ktor's pull API (`send`, `receive`, `receiveText`, `receiveBinary`,
 * `tryReceive`, async iteration) over a native `RTCDataChannel`. `send` never meets the browser's
 * "send queue is full": it waits for the buffer to drain. Received messages wait in a bounded
 * queue until pulled; an overflow is reported and closes the channel instead of dropping data.
 *
 * Events (also reported to the connection's `dataChannelEvents`): `open`, `closing`, `close`,
 * `bufferedamountlow`, `error` (a `CustomEvent` whose `detail` is `{channel, error?}`).
 */
export class WebRtcDataChannel extends EventTarget implements AsyncIterable<DataChannelMessage> {
  readonly native: RTCDataChannel;
  readonly receiveQueueBytes: number;
  highWaterMark: number;

  readonly #queue: DataChannelMessage[] = [];
  #queuedBytes = 0;
  #receivers: Receiver[] = [];
  #pendingSends = 0;
  /**
   * At least `bufferedAmount`: its last reading plus what was sent since. Reading the native value
   * slows small sends in Firefox, so a send that is under the marks by this bound alone skips it.
   */
  #bufferedBound = Infinity;
  #sendChain: Promise<void> = Promise.resolve();
  #closeReason: WebRtcError | undefined;
  #ended = false;
  readonly #report: (event: DataChannelEvent) => void;
  readonly #maxMessageSize: () => number;
  /** Fragment mode's code, loaded when a channel first needs it (a sibling file of the script-tag bundle). */
  readonly #fragments: Promise<typeof import('./fragments.js')> | undefined;
  #reassembler: Reassembler | undefined;
  /** Fragment mode, while its code loads: what arrived (messages, then maybe the close), in order. */
  #held: unknown[] | undefined;
  readonly #pieceLimit: number;

  /** @internal Channels are made by `WebRtcPeerConnection.createDataChannel` or arrive from the remote side. */
  constructor(
    native: RTCDataChannel,
    options: DataChannelOptions & { report?: (event: DataChannelEvent) => void; maxMessageSize?: () => number } = {},
  ) {
    super();
    this.native = native;
    this.#report = options.report ?? (() => {});
    this.#maxMessageSize = options.maxMessageSize ?? (() => Infinity);
    this.receiveQueueBytes = options.receiveQueueBytes ?? DEFAULT_RECEIVE_QUEUE_BYTES;
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#pieceLimit = options.fragmentBytes ?? 64 * 1024;
    if (options.fragment) {
      const held: unknown[] = (this.#held = []);
      this.#fragments = loadPart('fragments', () => import('./fragments.js'));
      this.#fragments.then(
        (fragments) => {
          this.#reassembler = new fragments.Reassembler();
          this.#held = undefined;
          for (const data of held) {
            if (data === held) this.#onNativeClose();
            else this.#onNativeMessage(data);
          }
        },
        (error: WebRtcError) => {
          this.#held = undefined;
          this.#emit('error', error);
          this.#closeWith(error);
        },
      );
    }
    native.binaryType = 'arraybuffer';
    native.bufferedAmountLowThreshold = options.bufferedAmountLowThreshold ?? this.highWaterMark / 4;
    native.addEventListener('open', () => this.#emit('open'));
    native.addEventListener('closing', () => {
      if (!this.#ended) this.#emit('closing');
    });
    // While fragment mode loads, the close waits behind the messages before it (marked by the list itself).
    native.addEventListener('close', () => (this.#held ? this.#held.push(this.#held) : this.#onNativeClose()));
    native.addEventListener('bufferedamountlow', () => this.#emit('bufferedamountlow'));
    native.addEventListener('error', (event) => {
      const cause = (event as RTCErrorEvent).error ?? event;
      // SCTP cause 12, User-Initiated Abort: the other side closed its connection (Chromium reports
      // it as an error when that comes before the bye). A close follows: the peer left, nothing failed.
      if ((cause as RTCError).sctpCauseCode === 12) return;
      this.#emit(
        'error',
        new DataChannelError(`Data channel "${native.label}" failed: ${messageOf(cause)}`, { cause }),
      );
    });
    native.addEventListener('message', (event) => this.#onNativeMessage((event as MessageEvent).data));
    // A remote channel may be open before anyone could listen: report it once, asynchronously.
    if (native.readyState === 'open') queueMicrotask(() => this.#emit('open'));
  }

  get label(): string {
    return this.native.label;
  }
  get id(): number | null {
    return this.native.id;
  }
  get state(): RTCDataChannelState {
    return this.native.readyState;
  }
  get ordered(): boolean {
    return this.native.ordered;
  }
  get maxRetransmits(): number | null {
    return this.native.maxRetransmits;
  }
  get maxPacketLifeTime(): number | null {
    return this.native.maxPacketLifeTime;
  }
  get protocol(): string {
    return this.native.protocol;
  }
  get negotiated(): boolean {
    return this.native.negotiated;
  }
  get bufferedAmount(): number {
    return this.native.bufferedAmount;
  }
  get bufferedAmountLowThreshold(): number {
    return this.native.bufferedAmountLowThreshold;
  }
  set bufferedAmountLowThreshold(value: number) {
    this.native.bufferedAmountLowThreshold = value;
  }
  /** Messages waiting to be pulled. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  #emit(type: DataChannelEventType, error?: WebRtcError): void {
    const eventType = type === 'closed' ? 'close' : type;
    this.dispatchEvent(new CustomEvent(eventType, { detail: { channel: this, error } }));
    this.#report({ type, channel: this, error });
  }

  // ---- sending ----

  /**
   * Sends text or bytes. Resolves once the message is handed to the transport; waits while the
   * channel is connecting or its buffer is above `highWaterMark`. Messages keep their order.
   */
  send(data: DataChannelSendable): Promise<void> {
    if (this.#closeReason || this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(this.#closedError('send'));
    }
    if (this.#fragments) return this.#sendInPieces(data, this.#fragments);
    const size = this.#sizeToSend(data);
    if (size instanceof Error) return Promise.reject(size);
    if (this.#pendingSends === 0 && this.state === 'open' && !(data instanceof Blob)) {
      // A string takes at most 3 UTF-8 bytes per unit.
      const bytes = typeof data === 'string' ? data.length * 3 : size;
      const fits = () =>
        this.#bufferedBound <= this.highWaterMark && this.#bufferedBound + bytes <= BROWSER_QUEUE_BYTES;
      if (!fits()) this.#bufferedBound = this.native.bufferedAmount;
      if (fits()) {
        try {
          this.native.send(data as never);
          this.#bufferedBound += bytes;
          return Promise.resolve();
        } catch (error) {
          // A full browser queue is backpressure: the ordered path below waits and sends again.
          if (!this.#queueFull(error)) return Promise.reject(this.#sendFailed(error));
        }
      }
    }
    const payload = copyOf(data) as string | Uint8Array | Blob;
    return this.#inSendOrder(() => this.#sendWhenReady(payload));
  }

  /** Runs `work` after every send before it, so that messages keep their order. */
  #inSendOrder(work: () => Promise<void>): Promise<void> {
    this.#pendingSends++;
    const sent = this.#sendChain.then(work);
    this.#sendChain = sent.then(
      () => {
        this.#pendingSends--;
      },
      () => {
        this.#pendingSends--;
      },
    );
    return sent;
  }

  /** Fragment mode: the pieces of one message go out back to back, in one slot of the send order. */
  #sendInPieces(data: DataChannelSendable, fragments: Promise<typeof import('./fragments.js')>): Promise<void> {
    const unsupported = unsupportedType(data);
    if (unsupported) return Promise.reject(unsupported);
    const copy = copyOf(data) as string | Uint8Array | Blob;
    return this.#inSendOrder(async () =>
      (await fragments).sendInPieces(
        copy,
        this.receiveQueueBytes,
        Math.max(16, Math.min(this.#pieceLimit, this.#maxMessageSize())),
        (piece) => this.#sendWhenReady(piece),
      ),
    );
  }

  #sizeToSend(data: DataChannelSendable): number | Error {
    const unsupported = unsupportedType(data);
    if (unsupported) return unsupported;
    let size: number;
    if (typeof data === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: encode only when that bound is over the limit.
      size = data.length * 3 <= this.#maxMessageSize() ? data.length : new TextEncoder().encode(data).byteLength;
    } else if (data instanceof Blob) size = data.size;
    else size = data.byteLength;
    const max = this.#maxMessageSize();
    if (size > max) {
      return new DataChannelError(`The message is ${size} bytes; at most ${max} bytes per message here`, {
        reason: 'message-too-big',
      });
    }
    return size;
  }

  async #sendWhenReady(payload: string | Uint8Array | Blob): Promise<void> {
    await this.whenOpen();
    const data = payload instanceof Blob ? new Uint8Array(await payload.arrayBuffer()) : payload;
    // Above the high-water mark: wait until the buffer is down to the low threshold (what
    // bufferedamountlow says), not just under the mark: topping it up on every poll tick costs
    // throughput in Firefox.
    // For text this is the UTF-16 length, a lower bound of its UTF-8 bytes: a send the browser
    // then refuses as full is waited out below.
    const size = typeof data === 'string' ? data.length : data.byteLength;
    const buffered = this.native.bufferedAmount;
    if (buffered > this.highWaterMark || buffered + size > BROWSER_QUEUE_BYTES) await this.#drainBuffer();
    for (;;) {
      if (this.#closeReason || this.state !== 'open') throw this.#closedError('send');
      try {
        this.native.send(data as never);
        this.#bufferedBound = Infinity; // not counted here: the next fast send reads it again
        return;
      } catch (error) {
        if (!this.#queueFull(error)) throw this.#sendFailed(error);
      }
      // At least one wait (an event or a poll tick) before trying again, then down to the low mark.
      await this.#bufferDrained();
      await this.#drainBuffer();
    }
  }

  /**
   * A browser refused the send because its queue is full (Chromium past 16 MiB: "send queue is
   * full"). With bytes still queued that is backpressure, not a failure.
   */
  #queueFull(error: unknown): boolean {
    return (
      error instanceof DOMException &&
      error.name === 'OperationError' &&
      this.state === 'open' &&
      this.native.bufferedAmount > 0
    );
  }

  /** Waits until the buffer is down to the low threshold (or the high-water mark, if lower). */
  async #drainBuffer(): Promise<void> {
    const low = Math.min(this.native.bufferedAmountLowThreshold, this.highWaterMark);
    while (this.native.bufferedAmount > low) {
      if (this.#closeReason || this.state !== 'open') throw this.#closedError('send');
      await this.#bufferDrained();
    }
  }

  #bufferDrained(): Promise<void> {
    return new Promise((resolve) => {
      const stop = new AbortController();
      const { signal } = stop;
      const done = () => {
        clearTimeout(timer);
        stop.abort();
        resolve();
      };
      const timer = setTimeout(done, BACKPRESSURE_POLL_MS);
      this.native.addEventListener('bufferedamountlow', done, { signal });
      this.native.addEventListener('close', done, { signal });
    });
  }

  /** Resolves when the channel is open; rejects if it closes first. */
  whenOpen(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.#closeReason || this.state !== 'connecting') return Promise.reject(this.#closedError('open'));
    return new Promise((resolve, reject) => {
      // One abort removes every listener below.
      const stop = new AbortController();
      const { signal } = stop;
      const opened = () => {
        stop.abort();
        resolve();
      };
      const closed = () => {
        stop.abort();
        reject(this.#closedError('open'));
      };
      this.native.addEventListener('open', opened, { signal });
      this.native.addEventListener('close', closed, { signal });
      this.addEventListener('close', closed, { signal });
    });
  }

  #sendFailed(error: unknown): WebRtcError {
    if (this.state !== 'open') return this.#closedError('send');
    return new DataChannelError(`Data channel "${this.label}": send failed: ${messageOf(error)}`, { cause: error });
  }

  #closedError(operation: string): WebRtcError {
    if (this.#closeReason && this.#closeReason instanceof DataChannelClosedError) return this.#closeReason;
    return new DataChannelClosedError(`Cannot ${operation}: data channel "${this.label}" is closed`, {
      cause: this.#closeReason,
    });
  }

  // ---- receiving ----

  #onNativeMessage(data: unknown): void {
    if (this.#held) {
      this.#held.push(data);
      return;
    }
    let message: DataChannelMessage;
    try {
      message = toMessage(data);
      if (this.#reassembler) {
        const whole = this.#reassembler.push(message);
        if (this.#reassembler.pendingBytes > this.receiveQueueBytes) this.#overflow();
        if (whole === undefined) return;
        message = whole;
      }
    } catch (error) {
      this.#emit('error', error as WebRtcError);
      return;
    }
    const size = sizeOf(message);
    // The message is always kept (nothing that arrived is lost); an overflowing queue closes the
    // channel so that the sender learns of it instead of data vanishing later.
    const overflow = this.#queue.length > 0 && this.#queuedBytes + size > this.receiveQueueBytes;
    this.#queue.push(message);
    this.#queuedBytes += size;
    this.#deliver();
    if (overflow) this.#overflow();
  }

  #overflow(): void {
    if (!this.#closeReason) {
      const error = new DataChannelError(
        `Data channel "${this.label}" closed: over receiveQueueBytes (${this.receiveQueueBytes}) unread`,
        { reason: 'receive-queue-overflow' },
      );
      this.#emit('error', error);
      this.#closeWith(error);
    }
  }

  #deliver(): void {
    while (this.#receivers.length > 0 && this.#queue.length > 0) {
      const receiver = this.#receivers.shift() as Receiver;
      const head = this.#queue[0] as DataChannelMessage;
      const mismatch = this.#mismatch(receiver.expect, head);
      if (mismatch) {
        receiver.reject(mismatch);
        continue;
      }
      this.#queue.shift();
      this.#queuedBytes -= sizeOf(head);
      receiver.resolve(head);
    }
    if (this.#ended && this.#queue.length === 0) {
      const receivers = this.#receivers;
      this.#receivers = [];
      for (const receiver of receivers) receiver.reject(this.#closedError('receive'));
    }
  }

  #mismatch(expect: Expect, message: DataChannelMessage): DataChannelError | undefined {
    const isText = typeof message === 'string';
    if (expect === 'any' || (expect === 'text') === isText) return undefined;
    return new DataChannelError(`The next message is ${isText ? 'text' : 'binary'}; it stays queued`, {
      reason: 'unexpected-message-type',
    });
  }

  #take(expect: Expect): Promise<DataChannelMessage> {
    return new Promise((resolve, reject) => {
      this.#receivers.push({ expect, resolve, reject });
      this.#deliver();
      if (this.#ended && this.#receivers.length > 0) this.#deliver();
    });
  }

  /** The next message, text or binary. Rejects with `DataChannelClosedError` once closed and drained. */
  receive(): Promise<DataChannelMessage> {
    return this.#take('any');
  }

  /** The next message if it is text; rejects (and keeps the message) if it is binary. */
  receiveText(): Promise<string> {
    return this.#take('text') as Promise<string>;
  }

  /** The next message if it is binary; rejects (and keeps the message) if it is text. */
  receiveBinary(): Promise<Uint8Array> {
    return this.#take('binary') as Promise<Uint8Array>;
  }

  /** The next message if one is queued, otherwise `null`. Never waits. */
  tryReceive(): DataChannelMessage | null {
    if (this.#queue.length === 0 || this.#receivers.length > 0) return null;
    const head = this.#queue.shift() as DataChannelMessage;
    this.#queuedBytes -= sizeOf(head);
    return head;
  }

  /**
   * Messages until the channel is closed and drained. A channel that ended on a failure (its
   * receive queue overflowed, fragment mode did not load) makes the loop throw that error once
   * the queue is drained, instead of ending as if the other side had closed it (Ktor's channel
   * iterator also throws the cause of a failed channel). A plain iterator, not an async generator:
   * each message takes fewer promise steps.
   */
  [Symbol.asyncIterator](): AsyncIterator<DataChannelMessage> {
    return {
      next: () =>
        this.receive().then(
          (value) => ({ value, done: false }),
          (error) => {
            const failure =
              this.#closeReason && !(this.#closeReason instanceof DataChannelClosedError)
                ? this.#closeReason
                : undefined;
            if (error instanceof DataChannelClosedError && !failure) return { value: undefined, done: true };
            throw failure ?? error;
          },
        ),
    };
  }

  // ---- lifetime ----

  #onNativeClose(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#emit('closed');
    this.#deliver();
  }

  #closeWith(reason: WebRtcError): void {
    this.#closeReason ??= reason;
    if (this.native.readyState !== 'closed') this.native.close();
    // A local close is final at once: pending operations end now, not when the transport agrees.
    this.#onNativeClose();
  }

  /** Closes the channel. Pending receives reject once the queue is drained. Idempotent. */
  close(): void {
    if (this.#closeReason) return;
    this.#closeWith(new DataChannelClosedError(`Data channel "${this.label}" was closed`));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
