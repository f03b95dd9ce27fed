import type { ReactiveController, ReactiveElement } from '@lit/reactive-element';
import type { RtcCall } from './rtc-call/rtc-call.js';

/** Elements that name their call by id, with what to do when a call joins the page. */
const namers = new Map<HTMLElement, () => void>();

/** Called by `<rtc-call>` when it joins the page: elements that name a call by id look again. */
export function callJoined(): void {
  for (const lookAgain of [...namers.values()]) lookAgain();
}

/**
 * Finds and follows the call an element belongs to: the `<rtc-call>` its `call` attribute names
 * (in the element's own document or shadow root, as `<label for>` does), or else the nearest one
 * around it. It looks after the element's first update (properties set just after the append
 * count), again when `call` changes, when it comes back to the page, and, when it names a call,
 * whenever a call joins the page (the call may come later, or replace the one named). Leaving the
 * page lets go of the call, unless the element is back within a microtask (a move).
 * `changed(call, old)` hears of every change.
 */
export class CallFinder implements ReactiveController {
  /** The call found, or null. */
  call: RtcCall | null = null;
  readonly #host: ReactiveElement & { call: string | null };
  readonly #changed: (call: RtcCall | null, old: RtcCall | null) => void;
  /** The `call` id of the last look (undefined before the first). */
  #id: string | null | undefined;

  constructor(
    host: ReactiveElement & { call: string | null },
    changed: (call: RtcCall | null, old: RtcCall | null) => void,
  ) {
    this.#host = host;
    this.#changed = changed;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.#host.hasUpdated) this.#find();
  }

  hostUpdated(): void {
    if (this.#id !== this.#host.call) this.#find();
  }

  hostDisconnected(): void {
    queueMicrotask(() => {
      if (!this.#host.isConnected) this.#find();
    });
  }

  #find(): void {
    const host = this.#host;
    const id = (this.#id = host.call);
    // Only while in the page: a detached element must not stay in the map.
    if (id && host.isConnected) namers.set(host, () => this.#find());
    else namers.delete(host);
    const found = !host.isConnected
      ? null
      : id
        ? (host.getRootNode() as Document | ShadowRoot).getElementById?.(id)
        : host.closest('rtc-call');
    // An id on something else (a typo, a wrapper) is no call: wait for a real one.
    const call = found?.localName === 'rtc-call' ? (found as RtcCall) : null;
    const old = this.call;
    if (call === old) return;
    this.call = call;
    this.#changed(call, old);
  }
}
