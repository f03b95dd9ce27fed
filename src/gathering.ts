/**
 * Waiting for the end of an ICE gathering: loaded on first use (trickle ICE never waits for it).
 * A sibling file of the script-tag bundle.
 */
import { ConnectionClosedError } from './errors.js';
import type { WebRtcPeerConnection } from './peer-connection.js';

/**
 * Resolves when `connection`'s ICE gathering is complete (at once if it is); rejects if the connection closes first.
 */
export function gatheringComplete(connection: WebRtcPeerConnection): Promise<void> {
  const native = connection.native;
  if (native.iceGatheringState === 'complete') return Promise.resolve();
  if (connection.isClosed) return Promise.reject(new ConnectionClosedError('The peer connection is closed'));
  return new Promise((resolve, reject) => {
    const stop = new AbortController();
    const { signal } = stop;
    const check = () => {
      if (native.iceGatheringState === 'complete') {
        stop.abort();
        resolve();
      }
    };
    const closed = () => {
      if (connection.isClosed) {
        stop.abort();
        reject(new ConnectionClosedError('The peer connection closed while gathering'));
      }
    };
    native.addEventListener('icegatheringstatechange', check, { signal });
    // Some browsers signal the end only with a null candidate.
    native.addEventListener('icecandidate', check, { signal });
    connection.addEventListener('statechange', closed, { signal });
  });
}
