// A signaling server alone in its process, so that its memory and CPU time are its own: ours
// (`ours`, options as JSON in argv[3]) or PeerServer (`peerjs`). Answers `memory`, `cpu` and `stop` over IPC.
import { PeerServer } from 'peer';
import { startSignalingServer } from '../dist/server/index.js';

const [kind, json] = process.argv.slice(2);
const options = JSON.parse(json ?? '{}');
let url;
let close = async () => {};
if (kind === 'peerjs') {
  // The client limit (5,000 by default) raised for the 10,000-client stage; clients heartbeat within alive_timeout.
  const server = await new Promise((resolve) => {
    PeerServer({ port: 0, host: '127.0.0.1', path: '/peerjs', concurrent_limit: 50_000, ...options }, resolve);
  });
  url = `ws://127.0.0.1:${server.address().port}`;
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
} else {
  // Every client comes from loopback, and the load generator floods on purpose: the per-address
  // and per-client rate limits are lifted (PeerServer has neither).
  const server = await startSignalingServer({
    port: 0,
    maxClientsPerAddress: 50_000,
    maxClients: 50_000,
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    ...options,
  });
  url = server.url;
  // A clean close takes its members out of Redis: a killed instance's would be reaped by the
  // next instances during their measurements.
  close = () => server.close();
}
process.on('message', (m) => {
  if (m.type === 'memory') {
    globalThis.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ type: 'memory', heapUsed, rss });
  } else if (m.type === 'stop') {
    void close().finally(() => process.exit(0));
  } else if (m.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', seconds: (user + system) / 1e6 });
  }
});
process.send({ type: 'ready', url });
