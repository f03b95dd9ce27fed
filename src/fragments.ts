import { DataChannelError } from './errors.js';

/**
 * Splitting messages larger than a connection's `maxMessageSize`, and joining them again. Used
 * only on channels opened with `fragment: true` on both ends, since every message then carries
 * a one-unit header: binary pieces start with a byte, text pieces with a character, that says
 * whether the message is whole (0), continues (1) or ends (2).
 */
export const WHOLE = 0;
export const MORE = 1;
export const LAST = 2;

export function splitMessage(message: string | Uint8Array, maxBytes: number): Array<string | Uint8Array> {
  if (typeof message === 'string') {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; never cut a surrogate pair in two.
    const units = Math.max(2, Math.floor((maxBytes - 3) / 3));
    if (message.length <= units) return [String.fromCharCode(WHOLE) + message];
    const pieces: string[] = [];
    for (let start = 0; start < message.length;) {
      let end = Math.min(message.length, start + units);
      const last = message.charCodeAt(end - 1);
      if (end < message.length && last >= 0xd800 && last <= 0xdbff) end--;
      pieces.push(message.slice(start, end));
      start = end;
    }
    return pieces.map((piece, i) => String.fromCharCode(i === pieces.length - 1 ? LAST : MORE) + piece);
  }
  const room = Math.max(1, maxBytes - 1);
  const count = Math.max(1, Math.ceil(message.byteLength / room));
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const body = message.subarray(i * room, Math.min(message.byteLength, (i + 1) * room));
    const piece = new Uint8Array(body.byteLength + 1);
    piece[0] = count === 1 ? WHOLE : i === count - 1 ? LAST : MORE;
    piece.set(body, 1);
    pieces.push(piece);
  }
  return pieces;
}

/**
 * Sends `message` as pieces of at most `pieceBytes`, back to back. The other side joins them within
 * its receive queue, so a message over `limit` (receiveQueueBytes, the same on both sides) is refused.
 */
export async function sendInPieces(
  message: string | Uint8Array | Blob,
  limit: number,
  pieceBytes: number,
  send: (piece: string | Uint8Array) => Promise<void>,
): Promise<void> {
  const size =
    typeof message === 'string' ? message.length * 2 : message instanceof Blob ? message.size : message.byteLength;
  if (size > limit)
    throw new DataChannelError(`The message is ${size} bytes; at most receiveQueueBytes (${limit}) in fragment mode`, {
      reason: 'message-too-big',
    });
  const whole = message instanceof Blob ? new Uint8Array(await message.arrayBuffer()) : message;
  for (const piece of splitMessage(whole, pieceBytes)) await send(piece);
}

/** Joins pieces back into messages; throws `DataChannelError` on a piece that breaks the format. */
export class Reassembler {
  #text: string[] = [];
  #binary: Uint8Array[] = [];
  /** Bytes held for a message not yet complete. */
  pendingBytes = 0;

  push(piece: string | Uint8Array): string | Uint8Array | undefined {
    const flag = typeof piece === 'string' ? piece.charCodeAt(0) : piece[0];
    if (piece.length === 0 || (flag !== WHOLE && flag !== MORE && flag !== LAST)) {
      throw new DataChannelError(
        'A message piece without a valid fragment header: is the other side using fragment mode?',
        { reason: 'bad-fragment' },
      );
    }
    const mixed = typeof piece === 'string' ? this.#binary.length > 0 : this.#text.length > 0;
    if (mixed || (flag === WHOLE && this.pendingBytes > 0)) {
      throw new DataChannelError('A message piece arrived in the middle of another message', {
        reason: 'bad-fragment',
      });
    }
    if (typeof piece === 'string') {
      const body = piece.slice(1);
      if (flag === WHOLE) return body;
      this.#text.push(body);
      this.pendingBytes += body.length * 2;
      if (flag === MORE) return undefined;
      const whole = this.#text.join('');
      this.#text = [];
      this.pendingBytes = 0;
      return whole;
    }
    const body = piece.subarray(1);
    if (flag === WHOLE) return body;
    this.#binary.push(body);
    this.pendingBytes += body.byteLength;
    if (flag === MORE) return undefined;
    const whole = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const part of this.#binary) {
      whole.set(part, offset);
      offset += part.byteLength;
    }
    this.#binary = [];
    this.pendingBytes = 0;
    return whole;
  }
}
