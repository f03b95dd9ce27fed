import { SignalingError, type WebSocketSignaler } from '../../src/index.js';
import { fire } from '../events.js';

/**
 * Tells the page what the call's own WebSocket signaler goes through: a failed attempt to reach
 * the server is `rtc-error` (code `signaling`, once per outage) and `rtc-reconnecting` while it
 * keeps trying, `rtc-reconnected` once it is in the room again, and a close the server made for
 * good (unauthorized, room full) is `rtc-error`. `signal` ends it (the hang-up: then nothing is news).
 */
export function followSignaling(
  call: HTMLElement,
  signaler: WebSocketSignaler,
  signal: AbortSignal,
  fail: (error: unknown) => void,
): void {
  let joined = signaler.state === 'open';
  let outage = false;
  let reported = false;
  const say = (type: 'rtc-reconnecting' | 'rtc-reconnected') => fire(call, type, { reason: 'signaling' });
  signaler.addEventListener(
    'open',
    () => {
      joined = true;
      reported = false;
      if (outage) say('rtc-reconnected');
      outage = false;
    },
    { signal },
  );
  signaler.addEventListener(
    'reconnecting',
    (e) => {
      const { attempt, code, reason } = e.detail;
      if (!outage) say('rtc-reconnecting');
      outage = true;
      // A drop of a working connection is not yet a failure; an attempt that did not get in is.
      if ((!joined || attempt > 1) && !reported) {
        reported = true;
        const why = reason ? `${code} ${reason}` : `close code ${code}`;
        fail(
          new SignalingError(`Signaling server ${signaler.url} unreachable (${why}); still trying`, {
            reason: 'unreachable',
          }),
        );
      }
    },
    { signal },
  );
  signaler.addEventListener(
    'close',
    (e) => {
      const { code, reason } = e.detail;
      if (code !== 1000)
        fail(new SignalingError(`The signaling server closed (${code} ${reason})`, { reason: 'closed' }));
    },
    { signal },
  );
  signaler.addEventListener('error', (e) => fail(e.detail.error), { signal });
}
