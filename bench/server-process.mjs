// The server of bench/server-load.mjs, alone in its process so that its memory can be measured.
import { startSignalingServer } from '../dist/server/index.js';

const server = await startSignalingServer({ port: 0, maxRoomSize: 64, rateLimit: { perSecond: 1000, burst: 1000 } });
process.send({ type: 'ready', url: server.url });
process.on('message', (m) => {
  if (m.type === 'memory') {
    globalThis.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ type: 'memory', heapUsed, rss });
  }
});
