export { startSignalingServer } from './signaling-server.js';
export type {
  SignalingServer,
  SignalingServerOptions,
  SignalingServerStats,
  VerifyRequest,
} from './signaling-server.js';
export { staticFiles } from './static-files.js';
export { turnCredentials, type TurnOptions } from './turn-credentials.js';
export { startLocalCoturn, type LocalCoturn } from './local-coturn.js';
