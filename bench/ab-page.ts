// The page of bench/ab-open.mjs: time to an open channel (or ?figure=rtt: small round trips) for raw WebRTC, the engine
// of another
// commit ("old", bundled from a git worktree) and the engine here ("new"), round by round.
import * as NEW from '../src/index.js';
// @ts-expect-error: the other commit's src/index.ts, resolved by bench/ab-open.mjs (same API as ours)
import * as OLD from 'old-engine';
import { engineOpen, engineRoundTrips, rawOpen, rawRoundTrips, type EngineModule } from './pairs.js';

// ?figure=rtt: 200 small round trips a round instead of the time to an open channel.
const rtt = new URLSearchParams(location.search).get('figure') === 'rtt';
const variants: Record<string, () => Promise<number>> = rtt
  ? {
      raw: () => rawRoundTrips(200),
      old: () => engineRoundTrips(OLD as EngineModule, 200),
      new: () => engineRoundTrips(NEW, 200),
    }
  : { raw: rawOpen, old: () => engineOpen(OLD as EngineModule), new: () => engineOpen(NEW) };

/** `rounds` rounds in a rotating order; a call stuck for 10 s (Firefox's close() now and then) is NaN. */
(globalThis as { ab?: unknown }).ab = async (rounds: number) => {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await variants[name]!(); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + i) % names.length]!;
      times[name]!.push(
        await Promise.race([variants[name]!(), new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))]),
      );
    }
  }
  (globalThis as { gc?: () => void }).gc?.(); // Chromium refuses new connections while 500 closed ones await GC
  await new Promise((r) => setTimeout(r, 50));
  return times;
};
(globalThis as { abReady?: boolean }).abReady = true;
