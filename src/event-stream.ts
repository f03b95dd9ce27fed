/** The write side of an `EventStream`: only whoever made the stream holds it. */
export interface EventStreamWriter<T> {
  push(value: T): void;
  /** No more values: iterators finish once they have read what is kept. */
  end(): void;
}

/**
 * A multicast async iterable with replay: every iterator starts from the oldest value still kept,
 * then follows live values until the stream ends. It is how the engine exposes Ktor's flows
 * (`iceCandidates`, `dataChannelEvents`, `trackEvents`) without losing values pushed before
 * anyone iterated. It is read-only: the engine writes through the writer that `start` receives, as
 * a `ReadableStream`'s source gets its controller, so no reader can inject values.
 * `replayLimit` bounds the memory kept for late iterators.
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
