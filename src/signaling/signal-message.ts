import { SignalingError, messageOf } from '../errors.js';
import type { SignalMessage } from '../types.js';
import { toIceCandidate, toSessionDescription } from '../validate.js';

/** Peer ids are short printable tokens; anything else from the wire is refused. */
export const MAX_PEER_ID_LENGTH = 128;
/** A `bye` reason longer than this is cut (it is only ever shown as text). */
export const MAX_REASON_LENGTH = 200;
/** A signal message serialized larger than this is refused before parsing. */
export const MAX_SIGNAL_BYTES = 300 * 1024;

function peerId(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_PEER_ID_LENGTH ||
    !/^[\w.:@-]+$/.test(value)
  ) {
    throw new SignalingError(`"${field}" is not a peer id`, { reason: 'malformed' });
  }
  return value;
}

/**
 * Checks a message from a signaler (untrusted: it may come from anyone on the server) and returns
 * a clean copy holding only known fields, or throws `SignalingError` saying what is wrong.
 * Accepts a JSON string too.
 */
export function parseSignalMessage(raw: unknown): SignalMessage {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_SIGNAL_BYTES) {
      throw new SignalingError(`A signal message of ${raw.length} characters; at most ${MAX_SIGNAL_BYTES}`, {
        reason: 'too-big',
      });
    }
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new SignalingError(`A signal message is not JSON: ${messageOf(error)}`, {
        reason: 'malformed',
        cause: error,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignalingError('A signal message must be an object', { reason: 'malformed' });
  }
  const message = value as Record<string, unknown>;
  const route: { from?: string; to?: string } = {};
  const from = peerId(message.from, 'from');
  const to = peerId(message.to, 'to');
  if (from !== undefined) route.from = from;
  if (to !== undefined) route.to = to;
  try {
    switch (message.type) {
      case 'description':
        return { type: 'description', description: toSessionDescription(message.description), ...route };
      case 'candidate':
        if (!('candidate' in message))
          throw new SignalingError('A candidate message needs "candidate"', { reason: 'malformed' });
        return { type: 'candidate', candidate: toIceCandidate(message.candidate), ...route };
      case 'bye': {
        const reason = message.reason;
        if (reason !== undefined && typeof reason !== 'string')
          throw new SignalingError('"reason" must be a string', { reason: 'malformed' });
        return reason === undefined
          ? { type: 'bye', ...route }
          : { type: 'bye', reason: reason.slice(0, MAX_REASON_LENGTH), ...route };
      }
      case 'hello': {
        const { negotiate } = message;
        if (negotiate !== undefined && typeof negotiate !== 'boolean')
          throw new SignalingError('"negotiate" must be a boolean', { reason: 'malformed' });
        return negotiate === undefined ? { type: 'hello', ...route } : { type: 'hello', negotiate, ...route };
      }
      case 'track-state': {
        const { mid, kind, muted } = message;
        if (typeof mid !== 'string' || mid.length === 0 || mid.length > 32)
          throw new SignalingError('"mid" must be a short string', { reason: 'malformed' });
        if (kind !== 'audio' && kind !== 'video')
          throw new SignalingError('"kind" must be audio or video', { reason: 'malformed' });
        if (typeof muted !== 'boolean') throw new SignalingError('"muted" must be a boolean', { reason: 'malformed' });
        return { type: 'track-state', mid, kind, muted, ...route };
      }
      default:
        throw new SignalingError(`Unknown signal message type ${JSON.stringify(message.type)?.slice(0, 40)}`, {
          reason: 'unknown-type',
        });
    }
  } catch (error) {
    if (error instanceof SignalingError) throw error;
    // An SdpError or IceError from the value checks: the signaler sent it, so it is a signaling error.
    throw new SignalingError(`Bad ${String(message.type)} message: ${messageOf(error)}`, {
      reason: 'malformed',
      cause: error,
    });
  }
}
