import { SignalingError } from '../errors.js';
import type { SignalMessage, Signaler } from '../types.js';

/**
 * Signals between tabs of one origin over a `BroadcastChannel`. Every tab on the channel sees
 * every message; sessions address theirs (`to`) once they know their peer, so two tabs pair up.
 */
export class BroadcastChannelSignaler implements Signaler {
  readonly channel: BroadcastChannel;
  #listeners = new Set<(message: SignalMessage) => void>();
  #closed = false;

  constructor(name = 'rtc-elements') {
    if (typeof BroadcastChannel === 'undefined')
      throw new SignalingError('BroadcastChannel is not available here', { reason: 'unsupported' });
    this.channel = new BroadcastChannel(name);
    this.channel.addEventListener('message', (event) => {
      // The data is untrusted (any script of the origin may post); sessions validate it.
      for (const listener of [...this.#listeners]) listener(event.data as SignalMessage);
    });
    this.channel.addEventListener('messageerror', () => {
      for (const listener of [...this.#listeners]) listener({ type: 'unreadable' } as unknown as SignalMessage);
    });
  }

  send(message: SignalMessage): void {
    if (this.#closed) throw new SignalingError('The signaler is closed', { reason: 'closed' });
    this.channel.postMessage(JSON.parse(JSON.stringify(message)));
  }

  subscribe(listener: (message: SignalMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.channel.close();
  }
}
