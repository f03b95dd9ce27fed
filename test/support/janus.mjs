// Starts Janus (the Debian package) for tests from the project's config (server/janus/), on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from './free-port.mjs';

const CONFIG_DIR = fileURLToPath(new URL('../../server/janus/', import.meta.url));
const READY_MS = 15000;

/** Janus answers `server_info` on its WebSocket: it is up. */
function answers(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const done = (ok) => {
      ws.terminate();
      resolve(ok);
    };
    ws.once('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'probe' })));
    ws.once('message', (data) => done(JSON.parse(String(data)).janus === 'server_info'));
    ws.once('error', () => done(false));
  });
}

/**
 * Starts `janus -F <copy of server/janus>` with its WebSocket on a free port of 127.0.0.1 and
 * RTP on a random port range; resolves once it answers. `stop()` ends it and removes the copy.
 */
export async function startJanus({
  binary = '/usr/bin/janus',
  debugLevel = Number(process.env.JANUS_DEBUG) || 0,
} = {}) {
  const wsPort = await freePort();
  const rtpBase = 20000 + Math.floor(Math.random() * 200) * 200;
  const dir = mkdtempSync(join(tmpdir(), 'rtc-janus-'));
  cpSync(CONFIG_DIR, dir, { recursive: true });
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jcfg'))) {
    const path = join(dir, name);
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replaceAll('@CONFIG_DIR@', dir)
        .replaceAll('@WS_PORT@', String(wsPort))
        .replaceAll('@RTP_PORTS@', `${rtpBase}-${rtpBase + 199}`),
    );
  }
  let log = '';
  const child = spawn(
    binary,
    ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-o', ...(debugLevel ? ['-d', String(debugLevel)] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk) => {
    log = (log + chunk).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `ws://127.0.0.1:${wsPort}`;
  const deadline = Date.now() + READY_MS;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Janus did not start on ${url}:\n${log.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
