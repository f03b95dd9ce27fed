/**
 * Why ICE cannot connect, in words. Loaded only when ICE failed or a connection is relay-only: in
 * the script-tag bundle it is a sibling file, as the other rarely used parts.
 */
import { IceError } from './errors.js';
import type { WebRtcPeerConnection } from './peer-connection.js';

/** The last TURN failure the browser reported (`icecandidateerror`). */
export interface TurnFailure {
  code: number;
  text: string;
}

/** How long a relay-only gathering may go without a relay candidate before that is reported. */
const RELAY_GATHERING_MS = 8000;

const isRelay = (line: string | undefined) => / typ relay/.test(line ?? '');
const refused = () =>
  new IceError('TURN refused the credentials (401): wrong or expired', { reason: 'turn-unauthorized' });

/** The error for a failed ICE. Without a relay candidate of our own, a TURN server is the usual cure. */
export function iceFailure(connection: WebRtcPeerConnection, turn: TurnFailure | undefined): IceError {
  if (turn?.code === 401) return refused();
  return connection.iceCandidates.values.some((c) => isRelay(c.candidate))
    ? new IceError('ICE failed: no path works, not even the TURN relay', { reason: 'ice-failed' })
    : new IceError('ICE failed: no path works (a TURN server is probably needed)', { reason: 'needs-turn' });
}

/**
 * Relay-only, a gathering that brings no relay candidate can never connect: says so once it is
 * complete, or after `RELAY_GATHERING_MS` (a TURN server that does not answer keeps it going), unless ICE
 * is connected (an ICE restart while the old relay path still carries the call).
 * Follows the current gathering of `connection` and every later one (ICE restarts).
 */
export function watchRelay(
  connection: WebRtcPeerConnection,
  turn: () => TurnFailure | undefined,
  report: (error: IceError) => void,
): void {
  // Loaded during the first gathering: the relay candidates it brought so far count.
  let seen = connection.iceCandidates.values.some((c) => isRelay(c.candidate));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    clearTimeout(timer);
    // Connected, the call has a relay that works: a restart's slow gathering is no reason to alarm (ICE failure is).
    if (connection.isClosed || seen || /^(conn|comp)/.test(connection.iceConnectionState)) return;
    if (connection.native.getConfiguration().iceTransportPolicy !== 'relay') return;
    seen = true; // once per gathering
    const failure = turn();
    report(
      failure?.code === 401
        ? refused()
        : new IceError(
            `Relay only, and no TURN server answered${failure ? ` (${failure.code} ${failure.text})` : ''}`,
            { reason: 'turn-unreachable' },
          ),
    );
  };
  const gathering = () => {
    clearTimeout(timer);
    if (connection.iceGatheringState === 'complete') check();
    else timer = setTimeout(check, RELAY_GATHERING_MS);
  };
  connection.addEventListener('icegatheringstatechange', () => {
    if (connection.iceGatheringState === 'gathering') seen = false;
    gathering();
  });
  connection.addEventListener('icecandidate', (event) => {
    if (!isRelay((event as CustomEvent).detail.candidate?.candidate)) return;
    seen = true;
    clearTimeout(timer);
  });
  connection.addEventListener('statechange', () => {
    if (connection.isClosed) clearTimeout(timer);
  });
  gathering();
}
