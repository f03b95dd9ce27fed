import { DataChannelError, WebRtcError, messageOf } from '../../src/errors.js';
import type { DataChannelMessage, WebRtcDataChannel } from '../../src/data-channel.js';

/** What the `rtc-file` event carries: the file's metadata and its bytes as a stream. */
export interface IncomingFile {
  id: string;
  name: string;
  size: number;
  mimeType: string;
  /** The bytes, in order; pipe it to a `WritableStream` (a file on disk, say) to keep memory flat. */
  stream: ReadableStream<Uint8Array>;
}

export interface FileProgress {
  id: string;
  name: string;
  size: number;
  /** Bytes sent (sender) or received (receiver) so far. */
  bytes: number;
  direction: 'send' | 'receive';
}

type Control =
  | { op: 'offer'; id: string; name: string; size: number; mimeType: string }
  | { op: 'accept'; id: string; offset: number }
  | { op: 'done'; id: string }
  /** The sender gave up on the file for a reason of its own (it could not read it): the receiver's stream errors. */
  | { op: 'abort'; id: string }
  /** Flow control: the receiver's reader has taken this many bytes; the sender keeps a window ahead. */
  | { op: 'ack'; id: string; bytes: number };

const CHUNK = 64 * 1024;
/** Bytes the sender may have in flight beyond what the receiving stream's reader has taken. */
const WINDOW = 8 * 1024 * 1024;
/** Bytes the receiving stream buffers before it stops acknowledging (its reader is slow). */
const STREAM_BUFFER = 4 * 1024 * 1024;

function parseControl(text: string): Control | null {
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || typeof value.id !== 'string' || value.id.length > 64)
      return null;
    if (value.op === 'offer' && typeof value.name === 'string' && Number.isSafeInteger(value.size) && value.size >= 0) {
      return {
        op: 'offer',
        id: value.id,
        name: value.name.slice(0, 255),
        size: value.size,
        mimeType: String(value.mimeType ?? '').slice(0, 100),
      };
    }
    if (value.op === 'accept' && Number.isSafeInteger(value.offset) && value.offset >= 0)
      return { op: 'accept', id: value.id, offset: value.offset };
    if (value.op === 'done' || value.op === 'abort') return { op: value.op, id: value.id };
    if (value.op === 'ack' && Number.isSafeInteger(value.bytes) && value.bytes >= 0)
      return { op: 'ack', id: value.id, bytes: value.bytes };
  } catch {
    /* not JSON */
  }
  return null;
}

interface Receiving {
  file: IncomingFile;
  controller: ReadableStreamDefaultController<Uint8Array>;
  received: number;
  acked: number;
}

/**
 * File transfer over a channel of its own (the element's label plus ":files"), so that files
 * never mix with messages: an offer, an accept with the offset to start from, the bytes, and a
 * done. After a reconnect the sender offers again and the receiver accepts from what it has, so
 * a transfer resumes instead of starting over.
 */
export class FileTransfer {
  #channel: WebRtcDataChannel | null = null;
  readonly #receiving = new Map<string, Receiving>();
  #current: Receiving | null = null;
  readonly #waiting = new Map<string, (control: Control) => void>();
  readonly #opened: Array<() => void> = [];
  /** Sender side: the latest ack per file, and who waits for the next one. */
  readonly #acks = new Map<string, { bytes: number; wake: (() => void) | null }>();

  readonly #onFile: (file: IncomingFile) => void;
  readonly #onProgress: (progress: FileProgress) => void;
  readonly #onError: (error: Error) => void;

  constructor(
    onFile: (file: IncomingFile) => void,
    onProgress: (progress: FileProgress) => void,
    onError: (error: Error) => void,
  ) {
    this.#onFile = onFile;
    this.#onProgress = onProgress;
    this.#onError = onError;
  }

  attach(channel: WebRtcDataChannel): void {
    this.#channel = channel;
    void channel.whenOpen().then(
      () => {
        for (const resolve of this.#opened.splice(0)) resolve();
      },
      () => {},
    );
    void this.#pump(channel);
  }

  #whenOpen(): Promise<WebRtcDataChannel> {
    const channel = this.#channel;
    if (channel && channel.state === 'open') return Promise.resolve(channel);
    return new Promise((resolve) => this.#opened.push(() => resolve(this.#channel as WebRtcDataChannel)));
  }

  async #pump(channel: WebRtcDataChannel): Promise<void> {
    try {
      for await (const message of channel) this.#onMessage(channel, message);
    } catch (error) {
      this.#onError(error as Error);
    }
  }

  #onMessage(channel: WebRtcDataChannel, message: DataChannelMessage): void {
    if (typeof message !== 'string') return this.#onBytes(channel, message);
    const control = parseControl(message);
    if (!control)
      return this.#onError(
        new DataChannelError('A malformed file-transfer message was ignored', { reason: 'bad-file-message' }),
      );
    if (control.op === 'offer') {
      let entry = this.#receiving.get(control.id);
      if (!entry) {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        const id = control.id;
        // Backpressure end to end: bytes are acknowledged only as the reader takes them.
        const stream = new ReadableStream<Uint8Array>(
          {
            start: (c) => {
              controller = c;
            },
            pull: () => {
              const e = this.#receiving.get(id);
              if (e && this.#channel) this.#ack(this.#channel, e);
            },
          },
          new ByteLengthQueuingStrategy({ highWaterMark: STREAM_BUFFER }),
        );
        const file: IncomingFile = { id, name: control.name, size: control.size, mimeType: control.mimeType, stream };
        entry = { file, controller, received: 0, acked: 0 };
        this.#receiving.set(control.id, entry);
        this.#onFile(file);
      }
      this.#current = entry;
      this.#tell(channel, { op: 'accept', id: control.id, offset: entry.received });
      if (entry.received >= entry.file.size) this.#finish(channel, entry);
      return;
    }
    if (control.op === 'abort') {
      const entry = this.#receiving.get(control.id);
      if (!entry) return;
      this.#receiving.delete(control.id);
      if (this.#current === entry) this.#current = null;
      const error = new DataChannelError(
        `The sender stopped sending "${entry.file.name}" after ${entry.received} of ${entry.file.size} bytes`,
        { reason: 'file-aborted' },
      );
      entry.controller.error(error);
      return this.#onError(error);
    }
    if (control.op === 'ack') {
      const state = this.#acks.get(control.id);
      if (state && control.bytes > state.bytes) {
        state.bytes = control.bytes;
        const wake = state.wake;
        state.wake = null;
        wake?.();
      }
      return;
    }
    const key = `${control.op}:${control.id}`;
    const resolve = this.#waiting.get(key);
    if (resolve) {
      this.#waiting.delete(key);
      resolve(control);
    }
  }

  #onBytes(channel: WebRtcDataChannel, bytes: Uint8Array): void {
    const entry = this.#current;
    if (!entry)
      return this.#onError(
        new DataChannelError('File bytes arrived with no file offered', { reason: 'bad-file-message' }),
      );
    const room = entry.file.size - entry.received;
    const take = bytes.byteLength > room ? bytes.subarray(0, room) : bytes;
    entry.controller.enqueue(take.slice());
    entry.received += take.byteLength;
    if ((entry.controller.desiredSize ?? 0) > 0) this.#ack(channel, entry);
    this.#onProgress({
      id: entry.file.id,
      name: entry.file.name,
      size: entry.file.size,
      bytes: entry.received,
      direction: 'receive',
    });
    if (entry.received >= entry.file.size) this.#finish(channel, entry);
  }

  #ack(channel: WebRtcDataChannel, entry: Receiving): void {
    if (entry.received <= entry.acked || channel.state !== 'open') return;
    entry.acked = entry.received;
    this.#tell(channel, { op: 'ack', id: entry.file.id, bytes: entry.received });
  }

  #finish(channel: WebRtcDataChannel, entry: Receiving): void {
    if (this.#receiving.get(entry.file.id) === entry) {
      this.#receiving.delete(entry.file.id);
      entry.controller.close();
    }
    this.#current = null;
    this.#tell(channel, { op: 'done', id: entry.file.id });
  }

  /**
   * A reply to the sender. The channel may have closed with this file's messages still queued:
   * then the sender offers the file again on the next channel and resumes, so nothing is lost.
   */
  #tell(channel: WebRtcDataChannel, control: Control): void {
    channel.send(JSON.stringify(control)).catch(() => {});
  }

  #expect(id: string, op: 'accept' | 'done'): Promise<Control> {
    return new Promise((resolve) => this.#waiting.set(`${op}:${id}`, resolve));
  }

  /** Sends a file; resolves when the other side has all of it. Survives reconnects (it resumes). */
  async send(file: Blob, name = (file as File).name ?? 'file'): Promise<string> {
    const id = crypto.randomUUID();
    for (;;) {
      const channel = await this.#whenOpen();
      try {
        const accepted = this.#expect(id, 'accept');
        const done = this.#expect(id, 'done');
        await channel.send(JSON.stringify({ op: 'offer', id, name, size: file.size, mimeType: file.type }));
        // One close watcher per attempt (not one per wait: a long transfer waits thousands of times).
        const closed = this.#closed(channel);
        let offset = ((await Promise.race([accepted, closed])) as { offset: number }).offset;
        const window = { bytes: offset, wake: null as (() => void) | null };
        this.#acks.set(id, window);
        while (offset < file.size) {
          // Stay within the window: a slow reader on the other side slows this loop down.
          while (offset - window.bytes > WINDOW)
            await Promise.race([
              new Promise<void>((wake) => {
                window.wake = wake;
              }),
              closed,
            ]);
          const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
          await channel.send(chunk);
          offset += chunk.byteLength;
          this.#onProgress({ id, name, size: file.size, bytes: offset, direction: 'send' });
        }
        await Promise.race([done, closed]);
        this.#acks.delete(id);
        return id;
      } catch (error) {
        this.#waiting.delete(`accept:${id}`);
        this.#waiting.delete(`done:${id}`);
        this.#acks.delete(id);
        if (channel.state === 'open') {
          // Not the connection (the file could not be read, say): trying again would fail again.
          this.#tell(channel, { op: 'abort', id });
          throw error instanceof WebRtcError
            ? error
            : new DataChannelError(`Sending "${name}" failed: ${messageOf(error)}`, {
                cause: error,
                reason: 'file-failed',
              });
        }
        // The channel closed mid-transfer: wait for the next one and resume from what arrived.
        if (this.#channel === channel) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  #closed(channel: WebRtcDataChannel): Promise<never> {
    return new Promise((_, reject) => {
      if (channel.state === 'closed') reject(new Error('closed'));
      channel.addEventListener('close', () => reject(new Error('closed')), { once: true });
    });
  }
}
