// The server of bench/server-load.mjs, alone in its process so that its memory can be measured.
import { startSignalingServer } from '../dist/server/index.js';

// Every client comes from 127.0.0.1: the per-address limit (256 by default) is lifted here.
const server = await startSignalingServer({ port: 0, maxRoomSize: 64, maxClientsPerAddress: 5000, rateLimit: { perSecond: 1000, burst: 1000 } });
process.send({ type: 'ready', url: server.url });
process.on('message', (m) => {
  if (m.type === 'memory') {
    globalThis.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ type: 'memory', heapUsed, rss });
  }
});
