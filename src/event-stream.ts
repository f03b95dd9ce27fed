/** The write side of an `EventStream`: only whoever made the stream holds it. */
export interface EventStreamWriter<T> {
  push(value: T): void;
  /** No more values: iterators finish once they have read what is kept. */
  end(): void;
}

/**
 * A read-only multicast async iterable with replay, the engine's form of Ktor's flows
 * (`iceCandidates`, `dataChannelEvents`, `trackEvents`): every iterator starts from the oldest
 * value kept (`replayLimit` bounds them), then follows live values until the stream ends. Only
 * whoever made it writes, through the writer `start` receives, so readers cannot inject values.
 */
export class EventStream<T> implements AsyncIterable<T> {
  readonly #history: T[] = [];
  /** How many values were dropped from the front of `history` (so iterators keep absolute positions). */
  #dropped = 0;
  #ended = false;
  #waiters: Array<() => void> = [];

  readonly #replayLimit: number;

  constructor(start: (writer: EventStreamWriter<T>) => void, replayLimit = Infinity) {
    this.#replayLimit = replayLimit;
    start({
      push: (value) => {
        if (this.#ended) return;
        this.#history.push(value);
        if (this.#history.length > this.#replayLimit) {
          this.#history.shift();
          this.#dropped++;
        }
        this.#wake();
      },
      end: () => {
        if (this.#ended) return;
        this.#ended = true;
        this.#wake();
      },
    });
  }

  /** The values kept for replay, oldest first (a copy). */
  get values(): readonly T[] {
    return this.#history.slice();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    let position = this.#dropped;
    let returned = false;
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (returned) return { value: undefined, done: true };
          // A slow iterator that fell behind the replay window skips to the oldest kept value.
          if (position < this.#dropped) position = this.#dropped;
          const index = position - this.#dropped;
          if (index < this.#history.length) {
            position++;
            return { value: this.#history[index] as T, done: false };
          }
          if (this.#ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        returned = true;
        return { value: undefined, done: true };
      },
    };
  }
}
