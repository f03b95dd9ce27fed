import WebSocket from 'ws';

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
    for (const w of [...waiters]) if (w.test(message)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(message); }
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`))); });
  const client = {
    ws, inbox, closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(type, timeoutMs = 3000) {
      const test = typeof type === 'function' ? type : (m) => m.type === type;
      const seen = inbox.find(test);
      if (seen) { inbox.splice(inbox.indexOf(seen), 1); return Promise.resolve(seen); }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ test, resolve: (m) => { clearTimeout(timer); inbox.splice(inbox.indexOf(m), 1); resolve(m); } });
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
