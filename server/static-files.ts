import { createReadStream, type ReadStream } from 'node:fs';
import { once } from 'node:events';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
};

/** A path segment that starts with a dot (`.env`, `.git`), `.well-known` aside: never served. */
const DOTFILE = /(^|[\\/])\.(?!well-known([\\/]|$))/;

/**
 * Serves files from directories mounted at URL prefixes (`{'/': 'demo', '/dist/': 'dist'}`).
 * Paths are resolved inside their directory; anything that escapes it is a 404, and so are
 * dotfiles (but `.well-known`) and anything whose real path (symlinks followed) leaves the directory.
 */
export function staticFiles(mounts: Record<string, string>) {
  const entries = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const notFound = () => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return notFound();
    }
    const mount = entries.find(([prefix]) => path.startsWith(prefix) || `${path}/` === prefix);
    if (!mount) return notFound();
    const [prefix, dir] = mount;
    const rest = path.slice(prefix.length);
    if (DOTFILE.test(rest) || rest.includes('\0')) return notFound();
    let file = normalize(join(dir, rest));
    if (file !== dir && !file.startsWith(dir + sep)) return notFound();
    let stream: ReadStream | undefined;
    try {
      // The real path (symlinks followed) must stay inside the real root.
      const root = await realpath(dir);
      // …and must not be a dotfile either (a symlink `config` → `.env`).
      const inside = (real: string) =>
        real === root || (real.startsWith(root + sep) && !DOTFILE.test(real.slice(root.length + 1)));
      file = await realpath(file);
      if (!inside(file)) return notFound();
      let info = await stat(file);
      if (info.isDirectory()) {
        file = await realpath(join(file, 'index.html'));
        if (!inside(file)) return notFound();
        info = await stat(file);
      }
      if (!info.isFile()) return notFound(); // a directory named index.html, a socket…
      if (request.method !== 'HEAD') {
        // Opened before the 200: a file that cannot be read (permissions, gone meanwhile) is a 404.
        stream = createReadStream(file);
        await once(stream, 'open');
        // A read that fails halfway cuts the response; it must not become an uncaught error.
        stream.on('error', () => response.destroy());
      }
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (stream) stream.pipe(response);
      else response.end();
    } catch {
      stream?.destroy();
      notFound();
    }
  };
}
