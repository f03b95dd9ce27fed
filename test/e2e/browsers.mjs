// Real Chromium and Firefox for end-to-end tests (puppeteer-core and the system browsers), and
// the demo server (signaling + static files) on 127.0.0.1.
import { mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { startSignalingServer, staticFiles } from '../../dist/server/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_PATH, FIREFOX_PREFS } from '../support/browser-options.mjs';
import { E2E_MS } from '../support/waits.mjs';

export const ARTIFACTS = 'test-artifacts';
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * The demos and `dist/` with the signaling server, on one port of 127.0.0.1. `pages` adds pages a
 * test makes (`{'/bot.html': html}`, served whatever the query); other options go to the server
 * (`turn`, say).
 */
export async function startDemoServer({ pages = {}, ...options } = {}) {
  const serve = staticFiles({ '/': 'demo', '/dist/': 'dist' });
  const server = await startSignalingServer({
    port: 0,
    ...options,
    onRequest: (req, res) => {
      const path = req.url?.split('?')[0] ?? '';
      if (Object.hasOwn(pages, path)) res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
      else if (path === '/favicon.ico')
        res.writeHead(204).end(); // no console error for it in the pages
      else void serve(req, res);
    },
  });
  return { server, http: server.url.replace(/^ws/, 'http') };
}

export function launch(name, extraArgs = []) {
  if (name === 'chromium') {
    return puppeteer.launch({
      browser: 'chrome',
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...extraArgs],
    });
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
}

/** Every rtc-error / rtc-channel-error an element fired in the page, as "code: message" (collected from the start). */
function collectRtcErrors() {
  window.__rtcErrors = [];
  for (const type of ['rtc-error', 'rtc-channel-error']) {
    document.addEventListener(
      type,
      (e) => window.__rtcErrors.push(`${e.type} ${e.detail.code}: ${e.detail.error?.message}`),
      true,
    );
  }
}

/** The rtc-error and rtc-channel-error events the page has seen, plus the text of its error line. */
export function rtcErrors(page) {
  return page.evaluate(() => [
    ...(window.__rtcErrors ?? []),
    ...[...document.querySelectorAll('#error')].map((el) => el.textContent).filter(Boolean),
  ]);
}

/** Opens a page and collects its console errors, uncaught exceptions and rtc-error events. */
export async function open(browser, url) {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(collectRtcErrors);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.setViewport({ width: 900, height: 700 });
  await page.goto(url);
  page.problems = problems;
  return page;
}

/** True once the page's remote <rtc-video> shows decoded frames. */
export function remoteFramesShown(page) {
  return page.evaluate(() => {
    const video = document.querySelector('rtc-video[remote]')?.shadowRoot?.querySelector('video');
    return !!video && video.videoWidth > 0 && video.currentTime > 0;
  });
}

/** How often `until` asks again: each ask is a round trip to the browser. */
const ASK_AGAIN_MS = 100;

export async function until(check, timeoutMs = E2E_MS, what = 'condition') {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ASK_AGAIN_MS));
  }
}
