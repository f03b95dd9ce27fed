import type { ClientControlMessage, ProtocolVersion, ServerErrorCode, SignalMessage } from '../src/types.js';

/** The protocol version this server speaks, sent in every welcome (docs/PROTOCOL.md). */
export const PROTOCOL_VERSION: ProtocolVersion = 1;

const SIGNAL_TYPES = new Set(['description', 'candidate', 'bye', 'hello', 'track-state']);
const ID_PATTERN = /^[\w.:@-]{1,128}$/;
const ROOM_PATTERN = /^[\w.:@-]{1,128}$/;
const RESUME_TOKEN_PATTERN = /^[\w-]{16,128}$/;
/** Deeper JSON is refused before it is parsed: relaying it would overflow the stack of `JSON.stringify`. */
export const MAX_JSON_DEPTH = 32;

/** Whether `text` nests arrays and objects deeper than `max` (strings are skipped; a linear scan). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export type ClientMessage = ClientControlMessage | SignalMessage;

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; code: ServerErrorCode; message: string };

const fail = (code: ServerErrorCode, message: string): Parsed => ({ ok: false, code, message });

export function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * Checks what a client sent. The server only routes: it checks the envelope (type, room, to) and
 * leaves the contents of signal messages to the receiving session, which validates them again.
 */
export function parseClientMessage(text: string): Parsed {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    return fail('bad-message', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad-json', 'The message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('bad-message', 'A message must be a JSON object with a "type"');
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'join': {
      if (typeof message.room !== 'string' || !ROOM_PATTERN.test(message.room)) {
        return fail('bad-message', 'join needs a "room": 1 to 128 letters, digits or . : @ _ -');
      }
      if (message.id !== undefined && !isPeerId(message.id)) return fail('bad-message', '"id" must be a peer id');
      if (message.token !== undefined && (typeof message.token !== 'string' || message.token.length > 4096)) {
        return fail('bad-message', '"token" must be a string of at most 4096 characters');
      }
      if (
        message.resumeToken !== undefined &&
        (typeof message.resumeToken !== 'string' || !RESUME_TOKEN_PATTERN.test(message.resumeToken))
      ) {
        return fail('bad-message', '"resumeToken" must be the token of an earlier welcome');
      }
      // The client's version: missing is 1. Any positive integer is accepted (the welcome says which version the server
      // speaks).
      if (
        message.protocol !== undefined &&
        !(Number.isInteger(message.protocol) && (message.protocol as number) >= 1)
      ) {
        return fail('bad-message', '"protocol" must be a positive integer (the protocol version)');
      }
      const join: ClientControlMessage = { type: 'join', room: message.room };
      if (message.protocol !== undefined) join.protocol = message.protocol as number;
      if (message.id !== undefined) join.id = message.id as string;
      if (message.token !== undefined) join.token = message.token as string;
      if (message.resumeToken !== undefined) join.resumeToken = message.resumeToken as string;
      return { ok: true, message: join };
    }
    case 'leave':
      return { ok: true, message: { type: 'leave' } };
    default:
      if (typeof message.type !== 'string' || !SIGNAL_TYPES.has(message.type)) {
        return fail('unknown-type', `Unknown message type ${JSON.stringify(message.type)?.slice(0, 40)}`);
      }
      if (message.to !== undefined && !isPeerId(message.to)) return fail('bad-message', '"to" must be a peer id');
      return { ok: true, message: message as unknown as SignalMessage };
  }
}
