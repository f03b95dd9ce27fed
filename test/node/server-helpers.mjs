import { spawn } from 'node:child_process';
import { freePort } from '../support/free-port.mjs';
import WebSocket from 'ws';
import { ARRIVE_MS, LOCAL_MS, REPLY_MS } from '../support/waits.mjs';

/** A test client of the signaling server: collects what it receives, waits for a given type. */
export async function connect(url, { room, token, id, resumeToken, headers, localAddress, autoPong } = {}) {
  const options = { headers, localAddress, autoPong };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  const ws = new WebSocket(url, options);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    inbox.push(message);
    for (const w of [...waiters])
      if (w.test(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const client = {
    ws,
    inbox,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(type, timeoutMs = REPLY_MS) {
      const test = typeof type === 'function' ? type : (m) => m.type === type;
      const seen = inbox.find(test);
      if (seen) {
        inbox.splice(inbox.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          test,
          resolve: (m) => {
            clearTimeout(timer);
            inbox.splice(inbox.indexOf(m), 1);
            resolve(m);
          },
        });
      });
    },
    close: () => ws.close(),
  };
  if (room) {
    const join = { type: 'join', room };
    if (token) join.token = token;
    if (id) join.id = id;
    if (resumeToken) join.resumeToken = resumeToken;
    client.send(join);
    client.welcome = await client.next('welcome');
    client.id = client.welcome.id;
  }
  return client;
}

export { sleep } from '../support/waits.mjs';

export { freePort };

/** Resolves with the first match of `pattern` in the child's output; rejects after `timeoutMs`. */
export function waitForLine(child, pattern, timeoutMs = ARRIVE_MS) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${seen.slice(-500)}`));
    }, timeoutMs);
    const on = (data) => {
      seen += String(data);
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        off();
        resolve(m);
      }
    };
    const onExit = (code) => {
      clearTimeout(timer);
      off();
      reject(new Error(`exited with ${code} before ${pattern}: ${seen.slice(-500)}`));
    };
    const off = () => {
      child.stdout.off('data', on);
      child.stderr.off('data', on);
      child.off('exit', onExit);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', onExit);
  });
}

/** Whether `child` exits within `timeoutMs`. */
export function exits(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops children (servers before Redis: pass them in that order); SIGKILL after 5 s. */
export async function stopAll(children) {
  for (const child of children.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill();
    if (!(await exits(child, LOCAL_MS))) child.kill('SIGKILL');
  }
}

/** A redis-server on a free 127.0.0.1 port (a few ports are tried: another process may take one first). */
export async function startRedis(children, port) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const p = port ?? (await freePort());
    const redis = spawn(
      'redis-server',
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(redis);
    try {
      await waitForLine(redis, /Ready to accept connections/);
      return { redis, port: p, url: `redis://127.0.0.1:${p}` };
    } catch (error) {
      if (port !== undefined || attempt === 4) throw error;
    }
  }
}

/** `test/node/fixtures/server-process.mjs` with these options: `{child, url, stats()}`. */
export async function startServerProcess(children, options = {}) {
  const child = spawn(
    process.execPath,
    [new URL('./fixtures/server-process.mjs', import.meta.url).pathname, JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  children.push(child);
  const url = (await waitForLine(child, /signaling on (ws:\/\/\S+)/))[1];
  const stats = () =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === 'stats') {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.send({ type: 'stats' });
    });
  return { child, url, stats };
}
