import type { PropertyValues } from '@lit/reactive-element';
import { ConfigError, type WebRtcError } from '../src/index.js';

/**
 * Errors for the properties in `changed` that `inUse` says were read once (at start, when a
 * channel opened) and are still in use: such a change would otherwise be ignored without a word.
 * Each names the attribute (`ice-servers`, not `iceServers`); code `config`, reason `after-start`.
 */
export function lateChanges(
  changed: PropertyValues,
  inUse: (name: string) => unknown,
  next: 'start' | 'connection',
): WebRtcError[] {
  return [...changed.keys()]
    .map(String)
    .filter((name) => inUse(name) && changed.get(name) !== undefined)
    .map(
      (name) =>
        new ConfigError(
          `Changing "${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}" has no effect until the next ${next}`,
          { reason: 'after-start' },
        ),
    );
}
