import type { RtcCall } from './rtc-call/rtc-call.js';

/** Elements that name their call by id, with what to do when a call joins the page. */
const namers = new Map<HTMLElement, () => void>();

/**
 * The call an element belongs to: the `<rtc-call>` its `call` attribute names, or the nearest one
 * around it. An element that names a call looks again whenever a call joins the page (see
 * `callJoined`): that call may come later in the page, be added later, or replace the one named.
 */
export function callOf(element: HTMLElement, id: string | null, lookAgain: () => void): RtcCall | null {
  // Only while in the page: a detached element must not stay in the map.
  if (id && element.isConnected) namers.set(element, lookAgain);
  else namers.delete(element);
  // By id within the element's own document or shadow root, as `<label for>` does.
  const call = id ? (element.getRootNode() as Document | ShadowRoot).getElementById?.(id) : element.closest('rtc-call');
  // An id on something else (a typo, a wrapper) is no call: wait for a real one.
  return call?.localName === 'rtc-call' ? (call as RtcCall) : null;
}

/** The element left the page: no more looking. */
export function forgetCall(element: HTMLElement): void {
  namers.delete(element);
}

/** Called by `<rtc-call>` when it joins the page. */
export function callJoined(): void {
  for (const lookAgain of [...namers.values()]) lookAgain();
}
