import { createHmac } from 'node:crypto';
import type { IceServer } from '../src/types.js';

/** TURN with time-limited credentials (coturn's `use-auth-secret`, the "TURN REST API"). */
export interface TurnOptions {
  /** The secret shared with the TURN server (`static-auth-secret`). It never leaves this process. */
  secret: string;
  /** The TURN server's URLs, e.g. `turn:turn.example.com:3478`, `turns:turn.example.com:5349?transport=tcp`. */
  urls: string[];
  /** How long credentials are valid, in seconds (default 4 hours); peers get fresh ones before then. */
  ttlSeconds?: number;
}

export const DEFAULT_TURN_TTL_SECONDS = 4 * 60 * 60;

/** Checks the options once, at start: a typo here would otherwise show only as calls that never connect. */
export function checkTurnOptions(turn: TurnOptions): Required<TurnOptions> {
  if (typeof turn.secret !== 'string' || turn.secret.length === 0)
    throw new RangeError('turn.secret must be a non-empty string');
  if (
    !Array.isArray(turn.urls) ||
    turn.urls.length === 0 ||
    !turn.urls.every((url) => typeof url === 'string' && /^turns?:/.test(url))
  ) {
    throw new RangeError('turn.urls must be a non-empty list of turn: or turns: URLs');
  }
  const ttlSeconds = turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (!(ttlSeconds >= 1)) throw new RangeError(`turn.ttlSeconds must be a number of at least 1, not ${ttlSeconds}`);
  return { secret: turn.secret, urls: [...turn.urls], ttlSeconds };
}

/**
 * Credentials for `peerId` valid for `ttlSeconds` from `now`: the username is `expiry:peerId`
 * (expiry in Unix seconds) and the password the base64 HMAC-SHA1 of the username under the secret,
 * which the TURN server recomputes with its copy of the secret.
 */
export function turnCredentials(turn: TurnOptions, peerId: string, now = Date.now()): IceServer {
  const username = `${Math.floor(now / 1000) + (turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS)}:${peerId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return { urls: turn.urls, username, credential };
}

/** When a peer gets fresh credentials: well before the ones it has expire. */
export function turnRefreshMs(turn: Required<TurnOptions>): number {
  return Math.max(500, turn.ttlSeconds * 1000 * 0.5);
}
