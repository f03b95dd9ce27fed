// examples/chat-bot.mjs, run as a user runs it (its own Node process), answers <rtc-call> pages:
// a Chromium page, then (the bot waits for the next call) a Firefox page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { launch, open, startDemoServer, until } from './browsers.mjs';
import { TEST_MS } from '../support/waits.mjs';

const ANSWER_MS = 20000;

const PAGE = `<!doctype html><meta charset="utf-8"><title>chat with the bot</title>
<script type="module" src="/dist/rtc-elements.js"></script>
<script type="module">
  const params = new URLSearchParams(location.search);
  window.heard = [];
  const call = document.createElement('rtc-call');
  call.setAttribute('signaling', params.get('signaling'));
  call.setAttribute('room', params.get('room'));
  const channel = document.createElement('rtc-data-channel');
  channel.setAttribute('label', 'chat');
  channel.addEventListener('rtc-message', (e) => window.heard.push(e.detail.data));
  call.append(channel);
  document.body.append(call);
</script>`;

let server;
let http;
let bot;
const browsers = {};
const room = `bot-${Math.random().toString(36).slice(2)}`;

before(async () => {
  ({ server, http } = await startDemoServer({ pages: { '/bot.html': PAGE } }));
  bot = spawn(process.execPath, ['examples/chat-bot.mjs', server.url, room], { stdio: ['ignore', 'pipe', 'inherit'] });
  bot.output = '';
  bot.stdout.on('data', (chunk) => {
    bot.output += chunk;
  });
  [browsers.chromium, browsers.firefox] = await Promise.all([launch('chromium'), launch('firefox')]);
  await until(() => bot.output.includes('chat bot'), ANSWER_MS, 'the bot in the room');
});
after(async () => {
  await Promise.all(Object.values(browsers).map((b) => b?.close()));
  if (bot && bot.exitCode === null) {
    bot.kill('SIGTERM');
    await once(bot, 'exit');
  }
  await server?.close();
});

for (const name of ['chromium', 'firefox']) {
  test(`the chat bot answers a ${name} page, then waits for the next call`, { timeout: TEST_MS }, async () => {
    const page = await open(
      browsers[name],
      `${http}/bot.html?room=${room}&signaling=${encodeURIComponent(server.url)}`,
    );
    try {
      await page.evaluate(() =>
        document
          .querySelector('rtc-data-channel')
          .send(`hello from ${navigator.userAgent.includes('Firefox') ? 'firefox' : 'chromium'}`),
      );
      await until(() => page.evaluate(() => window.heard.length > 0), ANSWER_MS, 'the bot’s answer');
      assert.deepEqual(await page.evaluate(() => window.heard), [`bot heard: hello from ${name}`]);
      await page.evaluate(() => document.querySelector('rtc-call').hangUp('done'));
      await until(() => bot.output.includes('call ended: done'), ANSWER_MS, 'the bot hearing the bye');
      bot.output = bot.output.replace('call ended: done', '');
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });
}
