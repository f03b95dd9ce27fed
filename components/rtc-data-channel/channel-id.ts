/**
 * The SCTP stream id both sides derive from a label, so that `<rtc-data-channel label="chat">`
 * declared on both sides is one negotiated channel without any extra message. FNV-1a, folded
 * into 0..1023 (ids stay below every browser's stream limit).
 */
export function channelIdFor(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1024;
}
