export { startSignalingServer } from './signaling-server.js';
export type { SignalingServer, SignalingServerOptions, SignalingServerStats, VerifyRequest } from './signaling-server.js';
export { staticFiles } from './static-files.js';
