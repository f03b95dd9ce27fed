// The glue between the Wasm module and <rtc-data-channel>: a few lines.
const wasm = (await WebAssembly.instantiateStreaming(fetch('/dist/demo/frames.wasm'), { env: { abort() {} } })).instance
  .exports;
const memory = () => new Uint8Array(wasm.memory.buffer);
const channel = document.querySelector('rtc-data-channel');
const stats = { sent: 0, received: 0, corrupt: 0 };
const show = () => {
  document.getElementById('stats').textContent =
    `sent ${stats.sent}, received ${stats.received}, corrupt ${stats.corrupt}`;
};

channel.addEventListener('rtc-open', async () => {
  for (let seq = 0; seq < 100; seq++) {
    const length = wasm.makeFrame(seq, 1000 + seq * 10);
    await channel.send(memory().subarray(wasm.outPtr(), wasm.outPtr() + length)); // straight from Wasm memory
    stats.sent++;
    show();
  }
});
channel.addEventListener('rtc-message', (e) => {
  const frame = e.detail.data;
  if (typeof frame === 'string' || frame.byteLength > 65536) return;
  memory().set(frame, wasm.inPtr());
  if (wasm.checkFrame(frame.byteLength) < 0) stats.corrupt++;
  else stats.received++;
  show();
});
