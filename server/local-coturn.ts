// A coturn TURN server on 127.0.0.1 for development and tests (`rtc-elements-server --coturn`).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalCoturn {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  port: number;
  /** The shared secret (`static-auth-secret`) the signaling server signs credentials with. */
  secret: string;
  /** The last 20,000 characters coturn logged. */
  log(): string;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 (coturn listens on UDP and TCP at it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
  });
}

/**
 * Starts `turnserver` (Debian's `coturn`) on 127.0.0.1 with a shared secret, relaying between
 * loopback peers (two pages on this machine). Resolves once it listens; rejects, with its log, if
 * it cannot start within 10 s (not installed, port taken).
 */
export async function startLocalCoturn(
  options: { port?: number; secret?: string; binary?: string } = {},
): Promise<LocalCoturn> {
  const port = options.port ?? (await freePort());
  const secret = options.secret ?? randomBytes(18).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
  // A relay port range of its own, so that two servers can run at once.
  const relayBase = 49152 + (port % 150) * 100;
  const child = spawn(
    options.binary ?? 'turnserver',
    [
      '-n',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
      '--no-software-attribute',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--allow-loopback-peers',
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=rtc-elements.local',
      `--userdb=${join(dir, 'turndb')}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let failed: Error | undefined;
  child.once('error', (error) => {
    failed = error;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10000;
  while (!/Total General servers/.test(log)) {
    if (failed || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`turnserver did not start (${failed?.message ?? 'see its log'}):\n${log.slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    secret,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
