// A WebSocket relay in front of a signaling server that holds every client → server frame for
// `delayMs` before passing it on (server → client frames pass at once). Each message between two
// peers crosses it once upstream, so every signaling leg on the way to a call costs `delayMs`
// more: the difference it makes counts the legs. A bench tool, not part of the product.
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

/** Starts a relay on 127.0.0.1 to `target` (`ws://host:port`); the path and query of each upgrade are kept. */
export async function startRelay(target) {
  const http = createServer((_, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set();
  const relay = { delayMs: 0, frames: 0, url: '', close };

  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(target + req.url);
      sockets.add(client).add(upstream);
      const early = [];
      const up = (data, isBinary) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
        else early.push([data, isBinary]);
      };
      upstream.on('open', () => {
        for (const [data, isBinary] of early.splice(0)) upstream.send(data, { binary: isBinary });
      });
      // Same delay for every frame, so Node's timer list keeps them in order.
      client.on('message', (data, isBinary) => {
        relay.frames++;
        if (relay.delayMs > 0) setTimeout(up, relay.delayMs, data, isBinary);
        else up(data, isBinary);
      });
      upstream.on('message', (data, isBinary) => {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      });
      const end = (ws, code) => {
        if (ws.readyState === WebSocket.OPEN)
          ws.close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000);
        else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      };
      client.on('close', (code) => {
        sockets.delete(client);
        end(upstream, code);
      });
      upstream.on('close', (code) => {
        sockets.delete(upstream);
        end(client, code);
      });
      client.on('error', () => {});
      upstream.on('error', () => end(client, 1011));
    });
  });

  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  relay.url = `ws://127.0.0.1:${http.address().port}`;

  function close() {
    for (const ws of sockets) ws.terminate();
    wss.close();
    return new Promise((resolve) => http.close(() => resolve()));
  }
  return relay;
}
