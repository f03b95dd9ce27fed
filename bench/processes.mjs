// Child processes of the server benches: each server and the load generator get a process of
// their own, started through a shell that raises their open-file limit to the hard limit (ten
// thousand sockets need more descriptors than the usual soft limit of 1,024).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The open-file limit the bench's processes get (the hard limit: raising it needs privileges a container may lack). */
export const FD_LIMIT_COMMAND = 'ulimit -n "$(ulimit -Hn)"';

/** More Node flags for the server processes while investigating (`--cpu-prof`, `--heapsnapshot-signal=SIGUSR2`). */
const NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS ?? '';

function spawnNode(file, args = []) {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(
    'bash',
    ['-c', `${FD_LIMIT_COMMAND}; exec "${process.execPath}" --expose-gc ${NODE_ARGS} "$0" "$@"`, script, ...args],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, exited };
}

/** Starts a server process (`ours` with options, or `peerjs`); resolves once it listens. */
export async function startServer(kind, options = {}) {
  const { child, exited } = spawnNode('./server-process.mjs', [kind, JSON.stringify(options)]);
  const ask = (type) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.send({ type });
    });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    void exited.then((code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const stop = () => {
    child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill(), 5000);
    return exited.finally(() => clearTimeout(timer));
  };
  return { url: ready.url, ask, stop };
}

/** Starts the load generator; `call(cmd, args)` runs one of its commands. */
export async function startLoadGenerator() {
  const { child, exited } = spawnNode('./load-generator.mjs');
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    void exited.then((code) => reject(new Error(`load generator exited with ${code}`)));
  });
  let next = 0;
  const call = (cmd, args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const on = (m) => {
        if (m.id !== id) return;
        child.off('message', on);
        if (m.error) reject(new Error(m.error));
        else resolve(m.result);
      };
      child.on('message', on);
      child.send({ id, cmd, args });
    });
  const limit = await new Promise((resolve) => {
    const sh = spawn('bash', ['-c', `${FD_LIMIT_COMMAND}; ulimit -n`]);
    let out = '';
    sh.stdout.on('data', (d) => {
      out += d;
    });
    sh.on('close', () => resolve(Number(out.trim())));
  });
  return {
    call,
    fdLimit: limit,
    stop: () => {
      child.kill();
      return exited;
    },
  };
}
