// AssemblyScript: makes and checks binary frames in linear memory. The page sends them through
// <rtc-data-channel> straight from this memory (send copies, so the buffer can be reused).
// Frame layout: u32 sequence number, u32 length of the payload, payload, u32 checksum.

const FRAME = memory.data(65536);
const INBOX = memory.data(65536);

export function outPtr(): usize {
  return FRAME;
}
export function inPtr(): usize {
  return INBOX;
}

function checksum(ptr: usize, length: u32): u32 {
  let sum: u32 = 2166136261;
  for (let i: u32 = 0; i < length; i++) sum = (sum ^ load<u8>(ptr + i)) * 16777619;
  return sum;
}

/** Writes frame `seq` with `size` payload bytes at outPtr(); returns its total length. */
export function makeFrame(seq: u32, size: u32): u32 {
  if (size > 65000) size = 65000;
  store<u32>(FRAME, seq);
  store<u32>(FRAME + 4, size);
  for (let i: u32 = 0; i < size; i++) store<u8>(FRAME + 8 + i, <u8>((seq * 31 + i * 7) & 0xff));
  store<u32>(FRAME + 8 + size, checksum(FRAME + 8, size));
  return size + 12;
}

/** Checks the frame of `length` bytes at inPtr(); returns its sequence number, or -1 if corrupt. */
export function checkFrame(length: u32): i64 {
  if (length < 12) return -1;
  const size = load<u32>(INBOX + 4);
  if (size + 12 != length) return -1;
  if (load<u32>(INBOX + 8 + size) != checksum(INBOX + 8, size)) return -1;
  return <i64>load<u32>(INBOX);
}
