/**
 * Types only: `addEventListener` and `removeEventListener` typed by a map from event name to
 * `detail`, so that a listener reads `event.detail` without a cast. Names outside the map keep the
 * DOM's signature.
 */

/** A listener of a `CustomEvent` whose `detail` is `T`. */
export type DetailListener<T> = ((event: CustomEvent<T>) => void) | { handleEvent(event: CustomEvent<T>): void };

export type AddDetailListener<DetailMap> = (<K extends keyof DetailMap & string>(
  type: K,
  listener: DetailListener<DetailMap[K]> | null,
  options?: boolean | AddEventListenerOptions,
) => void) &
  EventTarget['addEventListener'];

export type RemoveDetailListener<DetailMap> = (<K extends keyof DetailMap & string>(
  type: K,
  listener: DetailListener<DetailMap[K]> | null,
  options?: boolean | EventListenerOptions,
) => void) &
  EventTarget['removeEventListener'];
