import { IceError, SdpError } from './errors.js';
import type { IceCandidate, IceServer, SessionDescription } from './types.js';

/** An SDP larger than this is refused: real ones are a few KiB, even with many tracks. */
export const MAX_SDP_BYTES = 256 * 1024;
/** A candidate line larger than this is refused. */
export const MAX_CANDIDATE_BYTES = 2048;

const SDP_TYPES = new Set(['offer', 'answer', 'pranswer', 'rollback']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An ICE server `{urls, username?, credential?}` with at most 32 URLs and no text over 1024
 * characters: bounds for what a signaling server hands out, which no real configuration reaches.
 */
export function isIceServer(server: unknown): server is IceServer {
  const { urls, username, credential } = (server ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => typeof value === 'string' && value.length <= 1024;
  return (
    typeof server === 'object' &&
    (text(urls) || (Array.isArray(urls) && urls.length <= 32 && urls.every(text))) &&
    [username, credential].every((value) => value === undefined || text(value))
  );
}

/** The data-channel options that are sizes. */
export const CHANNEL_SIZES = 'receiveQueueBytes highWaterMark bufferedAmountLowThreshold fragmentBytes';

/**
 * Throws a RangeError for any of `names` (space-separated) that `options` sets to anything but a
 * number >= 0: NaN or a string would silently lift or break the limit it sets.
 */
export function checkCounts(options: object | false | undefined, names: string): void {
  for (const name of names.split(' ')) {
    const value = (options || {})[name as never] as unknown;
    if (value !== undefined && !(typeof value === 'number' && value >= 0))
      throw new RangeError(`${name} must be a number >= 0, not ${String(value)}`);
  }
}

/** Checks a description from an untrusted source and returns a clean copy, or throws `SdpError`. */
export function toSessionDescription(value: unknown): SessionDescription {
  if (!isObject(value)) throw new SdpError('A description must be {type, sdp}', { reason: 'malformed' });
  const { type, sdp } = value;
  if (typeof type !== 'string' || !SDP_TYPES.has(type)) {
    throw new SdpError(`Unknown description type ${JSON.stringify(type)}`, {
      reason: 'malformed',
    });
  }
  if (type === 'rollback') return { type, sdp: typeof sdp === 'string' ? sdp : '' };
  if (typeof sdp !== 'string' || sdp.length === 0) {
    throw new SdpError(`No sdp in the ${type}`, { reason: 'malformed' });
  }
  if (sdp.length > MAX_SDP_BYTES) {
    throw new SdpError(`The SDP is ${sdp.length} characters; at most ${MAX_SDP_BYTES}`, { reason: 'too-big' });
  }
  return { type: type as SessionDescription['type'], sdp };
}

/** Checks a candidate from an untrusted source and returns a clean copy (`null` means end of candidates). */
export function toIceCandidate(value: unknown): IceCandidate | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new IceError('A candidate must be an object', { reason: 'malformed' });
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== 'string')
    throw new IceError('A candidate needs a candidate string', { reason: 'malformed' });
  if (candidate.length > MAX_CANDIDATE_BYTES) {
    throw new IceError(`The candidate is ${candidate.length} characters; at most ${MAX_CANDIDATE_BYTES}`, {
      reason: 'too-big',
    });
  }
  // foundation, component, transport, priority, address, port, "typ", type: a truncated line is refused here.
  if (candidate !== '' && !/^(a=)?candidate:\S+ \d+ \S+ \d+ \S+ \d+ typ \S+/.test(candidate)) {
    throw new IceError(`Not an ICE candidate line: ${JSON.stringify(candidate.slice(0, 80))}`, { reason: 'malformed' });
  }
  if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== 'string') {
    throw new IceError('sdpMid must be a string or null', { reason: 'malformed' });
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    (typeof sdpMLineIndex !== 'number' || !Number.isInteger(sdpMLineIndex) || sdpMLineIndex < 0 || sdpMLineIndex > 1024)
  ) {
    throw new IceError('sdpMLineIndex must be 0 to 1024 or null', { reason: 'malformed' });
  }
  if (
    (sdpMid === undefined || sdpMid === null) &&
    (sdpMLineIndex === undefined || sdpMLineIndex === null) &&
    candidate !== ''
  ) {
    throw new IceError('A candidate needs sdpMid or sdpMLineIndex', { reason: 'malformed' });
  }
  if (usernameFragment !== undefined && usernameFragment !== null && typeof usernameFragment !== 'string') {
    throw new IceError('usernameFragment must be a string or null', { reason: 'malformed' });
  }
  const clean: IceCandidate = {
    candidate,
    sdpMid: (sdpMid as string | null | undefined) ?? null,
    sdpMLineIndex: (sdpMLineIndex as number | null | undefined) ?? null,
  };
  if (typeof usernameFragment === 'string') clean.usernameFragment = usernameFragment;
  return clean;
}
