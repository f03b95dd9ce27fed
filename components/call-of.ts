import type { RtcCall } from './rtc-call/rtc-call.js';

/** The call an element belongs to: the one its `call` attribute names, or the nearest `<rtc-call>` around it. */
export function callOf(element: HTMLElement, id: string | null): RtcCall | null {
  return (id ? document.getElementById(id) : element.closest('rtc-call')) as RtcCall | null;
}
