/**
 * The SCTP stream id both sides derive from a label, so that `<rtc-data-channel label="chat">`
 * declared on both sides is one negotiated channel without any extra message: 32-bit FNV-1a
 * (offset basis 0x811c9dc5, prime 0x01000193) over the label's UTF-16 code units (not its UTF-8
 * bytes), then the remainder mod 1024, not an xor-fold ("chat" is 427). Ids stay below every
 * browser's stream limit. docs/PROTOCOL.md states it for other peers. Labels can collide ("ano" is
 * 427 too): `<rtc-data-channel>` checks the id is free first.
 */
export function channelIdFor(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1024;
}
