import { SignalingError } from '../errors.js';
import type { SignalMessage, Signaler } from '../types.js';

class PairEnd implements Signaler {
  other!: PairEnd;
  #listeners = new Set<(message: SignalMessage) => void>();
  /** Messages that arrived before anyone listened: kept, so that start order does not matter. */
  #backlog: SignalMessage[] = [];
  #closed = false;

  send(message: SignalMessage): void {
    if (this.#closed) throw new SignalingError('The signaler is closed', { reason: 'closed' });
    // A JSON round trip, as on any real wire: what cannot cross one does not cross this.
    const copy = JSON.parse(JSON.stringify(message)) as SignalMessage;
    const other = this.other;
    queueMicrotask(() => other.#deliver(copy));
  }

  #deliver(message: SignalMessage): void {
    if (this.#closed) return;
    if (this.#listeners.size === 0) {
      this.#backlog.push(message);
      return;
    }
    for (const listener of [...this.#listeners]) listener(message);
  }

  subscribe(listener: (message: SignalMessage) => void): () => void {
    this.#listeners.add(listener);
    const backlog = this.#backlog.splice(0);
    queueMicrotask(() => {
      for (const message of backlog) listener(message);
    });
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#backlog = [];
  }
}

/** Two signalers joined in one page: what one sends, the other receives. For tests and demos. */
export function createSignalerPair(): [Signaler, Signaler] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
