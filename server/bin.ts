#!/usr/bin/env node
// rtc-elements-server: the reference signaling server, optionally serving static files on the same port.
import { parseArgs } from 'node:util';
import { startSignalingServer, type SignalingServer } from './signaling-server.js';
import { staticFiles } from './static-files.js';
import { startLocalCoturn, type LocalCoturn } from './local-coturn.js';
import type { TurnOptions } from './turn-credentials.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-room-size': { type: 'string' },
    'max-clients-per-address': { type: 'string' },
    'join-timeout-ms': { type: 'string' },
    'max-unsent-bytes': { type: 'string' },
    'instance-timeout-ms': { type: 'string' },
    'allowed-origin': { type: 'string', multiple: true },
    static: { type: 'string', multiple: true },
    redis: { type: 'string', default: process.env.REDIS_URL },
    'turn-url': { type: 'string', multiple: true },
    'turn-ttl': { type: 'string' },
    coturn: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: rtc-elements-server [--port 8787] [--host 127.0.0.1] [--max-room-size 16]
       [--max-clients-per-address 256] [--join-timeout-ms 10000] [--max-unsent-bytes 268435456]
       [--instance-timeout-ms 30000] (with --redis)
       [--allowed-origin https://example.com]... [--static [/prefix=]dir]... [--redis redis://127.0.0.1:6379]
       [--turn-url turn:turn.example.com:3478]... [--turn-ttl 14400] [--coturn]
WebSocket signaling on ws://host:port/ (any path); with --static, files too (demo pages).
TURN: with --turn-url and the shared secret in the TURN_SECRET environment variable (coturn's
static-auth-secret), each peer gets time-limited TURN credentials. --coturn starts a local
coturn (Debian package coturn) on 127.0.0.1 with a random secret and uses it.`);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`rtc-elements-server: --port must be a port number, not ${JSON.stringify(values.port)}`);
  process.exit(2);
}

const mounts: Record<string, string> = {};
for (const entry of values.static ?? []) {
  const [prefix, dir] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : ['/', entry];
  mounts[prefix] = dir;
}
const serve = Object.keys(mounts).length > 0 ? staticFiles(mounts) : undefined;

/** A numeric flag, or undefined; the server refuses one that is not a number (NaN) with a RangeError. */
function number(name: keyof typeof values): number | undefined {
  const value = values[name];
  return value === undefined ? undefined : Number(value);
}

let server: SignalingServer;
let coturn: LocalCoturn | undefined;
try {
  let turn: TurnOptions | undefined;
  if (values.coturn) {
    coturn = await startLocalCoturn();
    turn = { secret: coturn.secret, urls: [coturn.url] };
  } else if (values['turn-url']) {
    // The secret comes from the environment: a command line is visible to every user of the machine.
    if (!process.env.TURN_SECRET)
      throw new Error('--turn-url needs the shared secret in the TURN_SECRET environment variable');
    turn = { secret: process.env.TURN_SECRET, urls: values['turn-url'] };
  }
  if (turn && values['turn-ttl'] !== undefined) turn.ttlSeconds = Number(values['turn-ttl']);
  server = await startSignalingServer({
    port,
    host: values.host,
    maxRoomSize: number('max-room-size'),
    maxClientsPerAddress: number('max-clients-per-address'),
    joinTimeoutMs: number('join-timeout-ms'),
    maxUnsentBytes: number('max-unsent-bytes'),
    instanceTimeoutMs: number('instance-timeout-ms'),
    allowedOrigins: values['allowed-origin'],
    redisUrl: values.redis,
    turn,
    onRequest: serve ? (request, response) => void serve(request, response) : undefined,
  });
} catch (error) {
  // A bad option, a port in use, Redis unreachable: one line, not a stack trace.
  console.error(`rtc-elements-server: ${error instanceof Error ? error.message : String(error)}`);
  await coturn?.stop();
  process.exit(2);
}
const httpUrl = server.url.replace(/^ws/, 'http');
console.log(
  `rtc-elements-server: signaling on ${server.url}${serve ? `, pages on ${httpUrl}/` : ''}${values.redis ? ', rooms shared over Redis' : ''}${coturn ? `, TURN on ${coturn.url}` : ''}`,
);

const stop = () =>
  void Promise.all([server.close(), coturn?.stop()]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
