import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The path of a request target in origin form (`/path?query`), or `undefined` for anything else:
 * `//`, `//host/x` (parsed as a host by `URL`), absolute form (`http://host/`), `*`, bad `%`
 * escapes. The WebSocket front answers those with 400 instead of letting `new URL` throw.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (typeof target !== 'string' || target.length > 8192 || target[0] !== '/' || target[1] === '/') return undefined;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  try {
    decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return path;
}

/** Ends a socket that fails before `ws` has taken it (`this` is the socket: one function for all). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

export interface UpgradeFrontOptions {
  path?: string;
  allowedOrigins?: string[];
  maxClients: number;
  maxClientsPerAddress: number;
}

/**
 * The HTTP side of the server: decides, before any WebSocket exists, whether an upgrade is
 * accepted (target, path, origin, server-wide and per-address connection limits). Nothing it
 * receives may throw out of it: a throw in an `upgrade` listener would end the process (and the
 * host application's, when attached to its server).
 */
export class UpgradeFront {
  readonly #options: UpgradeFrontOptions;
  /**
   * Connections by address; undefined when the per-address limit is no lower than `maxClients`
   * (it can never refuse): then no count is kept and no address read (reading one keeps an
   * address record on each socket, about 60 bytes, besides the count's entry).
   */
  readonly #perAddress: Map<string, number> | undefined;
  #total = 0;

  constructor(options: UpgradeFrontOptions) {
    this.#options = options;
    this.#perAddress = options.maxClientsPerAddress < options.maxClients ? new Map() : undefined;
  }

  get connections(): number {
    return this.#total;
  }

  /**
   * Handles one upgrade: `accept` gets it when it passes. The caller reports the WebSocket it made
   * with `opened` and its end with `closed` (`ws` completes an upgrade synchronously, so the count
   * cannot be overtaken between the check and `opened`). `accept` hands the socket to `ws`, which
   * listens for its errors from then on: this front's listener goes (a listener array per socket).
   */
  handle(request: IncomingMessage, socket: Duplex, accept: () => void): void {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      socket.on('error', destroyOnError);
      const path = requestPath(request.url);
      if (path === undefined) return refuse(400, 'Bad Request');
      if (this.#options.path && path !== this.#options.path) return refuse(404, 'Not Found');
      const origin = request.headers.origin;
      const allowed = this.#options.allowedOrigins;
      if (allowed && (!origin || !allowed.includes(origin))) return refuse(403, 'Forbidden');
      if (this.#total >= this.#options.maxClients) return refuse(503, 'Service Unavailable');
      if (
        this.#perAddress &&
        (this.#perAddress.get(request.socket.remoteAddress ?? '') ?? 0) >= this.#options.maxClientsPerAddress
      )
        return refuse(429, 'Too Many Requests');
      accept();
      socket.off('error', destroyOnError);
    } catch {
      socket.destroy();
    }
  }

  /**
   * Counts an accepted connection; returns the address to hand back to `closed` (undefined when
   * addresses are not counted).
   */
  opened(request: IncomingMessage): string | undefined {
    this.#total++;
    if (!this.#perAddress) return undefined;
    const address = request.socket.remoteAddress ?? '';
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    return address;
  }

  closed(address: string | undefined): void {
    this.#total--;
    if (!this.#perAddress || address === undefined) return;
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
  }
}
