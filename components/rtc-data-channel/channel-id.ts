/**
 * The SCTP stream id both sides derive from a label, so that `<rtc-data-channel label="chat">`
 * declared on both sides is one negotiated channel without any extra message. FNV-1a-32 over the
 * label's UTF-16 code units, mod 1024 (ids stay below every browser's stream limit): "chat" → 427.
 * Labels can collide ("ano" is 427 too): `<rtc-data-channel>` checks the id is free first.
 */
export function channelIdFor(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1024;
}
