// The package as a user gets it: `npm pack` (prepack builds), the tarball installed into an empty
// project in a temporary directory, then every `exports` entry imported in Node, a TypeScript
// consumer type-checked under `bundler` and `node16`, the script-tag bundle loaded in a page, and
// publint and arethetypeswrong run on the same tarball. Needs the npm registry (the package's
// dependencies and @types for the consumer), nothing else online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser-options.mjs';
import { PACKAGE_TEST_MS, TEST_MS } from '../support/waits.mjs';

// The target is 150,000 (issue 21); the server split, TURN and the merged element work took it to
// 152,900: the limit holds what we have, so that growth fails here.
const MAX_PACKED_BYTES = 150_000;
const ROOT = resolve('.');
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));

// Child npm commands must not see the npm_* variables of the `npm test` that runs this file: an
// inherited npm_config_local_prefix, for one, would make `npm install` install into this repository.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|INIT_CWD$)/i.test(name)));
env.PATH = [join(ROOT, 'node_modules', '.bin'), env.PATH].join(delimiter);

/** Runs a command; resolves with its output, rejects with it (and the exit code) on failure. */
function run(command, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error?.code === 'ENOENT')
        reject(new Error(`${command} is not installed: run npm install (it is a devDependency)`));
      else if (error)
        reject(
          Object.assign(new Error(`${command} ${args.join(' ')} failed (${error.code}):\n${stdout}${stderr}`), {
            code: error.code,
            stdout,
            stderr,
          }),
        );
      else resolvePromise({ stdout, stderr });
    });
  });
}

let temp;
let tarball;
let app;
let packed;

before(
  async () => {
    temp = mkdtempSync(join(tmpdir(), 'rtc-elements-package-'));
    await run('npm', ['pack', '--pack-destination', temp], ROOT);
    tarball = join(
      temp,
      readdirSync(temp).find((name) => name.endsWith('.tgz')),
    );
    app = join(temp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The consumer's own @types at the versions this repository tests with (cached by its install).
    const typesAt = (name) =>
      `${name}@${JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version}`;
    await run(
      'npm',
      [
        'install',
        tarball,
        typesAt('@types/node'),
        typesAt('@types/react'),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      app,
    );
    const installed = join(app, 'node_modules', manifest.name);
    packed = [];
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else packed.push(relative(installed, join(dir, entry.name)).split(sep).join('/'));
      }
    };
    walk(installed);
  },
  { timeout: PACKAGE_TEST_MS },
);

after(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test(`the tarball is at most ${MAX_PACKED_BYTES} bytes`, () => {
  const size = statSync(tarball).size;
  assert.ok(size <= MAX_PACKED_BYTES, `the tarball is ${size} bytes`);
});

test('the package holds no demos, tests, TypeScript sources or source maps', () => {
  const extra = packed.filter((path) => /(^|\/)(demo|test)\/|test-helpers|\.test\.|\.map$|(?<!\.d)\.ts$/.test(path));
  assert.deepEqual(extra, []);
});

test('its JavaScript imports only its dependencies, its optional peer redis and Node built-ins', () => {
  const allowed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
  const installed = join(app, 'node_modules', manifest.name);
  const foreign = [];
  for (const path of packed.filter((p) => p.endsWith('.js'))) {
    const code = readFileSync(join(installed, path), 'utf8');
    // `from '…'`, `import '…'`, `import('…')`; not a property `.from` nor the text `'from'`.
    for (const [, , specifier] of code.matchAll(/(?<![\w$.'"])(?:from|import)\s*\(?\s*(["'])([^"'\n]+)\1/g)) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!allowed.has(name)) foreign.push(`${path}: ${specifier}`);
    }
  }
  assert.deepEqual(foreign, []);
});

test('every exports entry imports in Node (the script-tag bundle, which needs a DOM, in the page test)', async () => {
  const entries = Object.keys(manifest.exports).filter((entry) => entry !== './bundle');
  const script = entries
    .map((entry, i) => {
      const specifier = entry === '.' ? manifest.name : `${manifest.name}${entry.slice(1)}`;
      return specifier.endsWith('.json')
        ? `import m${i} from '${specifier}' with { type: 'json' }; console.log('${entry}', typeof m${i});`
        : `import * as m${i} from '${specifier}'; console.log('${entry}', Object.keys(m${i}).join(' '));`;
    })
    .join('\n');
  writeFileSync(join(app, 'imports.mjs'), script);
  const { stdout } = await run(process.execPath, ['imports.mjs'], app);
  const lines = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.split(' ')[0], line]),
  );
  assert.deepEqual(Object.keys(lines), entries);
  assert.match(lines['.'], /\bWebRtcClient\b/);
  assert.match(lines['./elements'], /\bRtcCall\b/);
  assert.match(lines['./define'], /\bdefineRtcElements\b/);
  assert.match(lines['./server'], /\bstartSignalingServer\b/);
  assert.match(lines['./custom-elements.json'], /object/);
});

test('a TypeScript consumer type-checks under moduleResolution bundler and node16', { timeout: TEST_MS }, async () => {
  writeFileSync(
    join(app, 'consumer.ts'),
    `
import { WebRtcClient, WebSocketSignaler, WebRtcError } from 'rtc-elements';
import { RtcCall, RtcDataChannel, RtcVideo } from 'rtc-elements/elements';
import { defineRtcElements } from 'rtc-elements/define';
import { startSignalingServer, staticFiles, type SignalingServer } from 'rtc-elements/server';
import * as bundle from 'rtc-elements/bundle';

defineRtcElements();
export const call: RtcCall = document.createElement('rtc-call');
export const channel: RtcDataChannel = document.createElement('rtc-data-channel');
export const video: RtcVideo = document.createElement('rtc-video');
export const client: typeof WebRtcClient = bundle.WebRtcClient;
export const error: typeof WebRtcError = bundle.WebRtcError;
export const signaler: typeof WebSocketSignaler = bundle.WebSocketSignaler;
export const server: Promise<SignalingServer> = startSignalingServer({ port: 0, onRequest: staticFiles({ '/': '.' }) });
`,
  );
  writeFileSync(
    join(app, 'app.tsx'),
    `
import type {} from 'rtc-elements/react';

export const App = () => (
  <rtc-call room="lobby" video stats-interval={1000} onrtc-message={(event) => event.detail}>
    <rtc-video remote />
  </rtc-call>
);
`,
  );
  // skipLibCheck off: the package's declarations are checked too.
  const compilerOptions = {
    target: 'es2022',
    lib: ['es2022', 'dom', 'dom.iterable'],
    types: ['node'],
    jsx: 'react-jsx',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  const configs = {
    bundler: { module: 'preserve', moduleResolution: 'bundler' },
    node16: { module: 'node16', moduleResolution: 'node16' },
  };
  const results = await Promise.allSettled(
    Object.entries(configs).map(([name, options]) => {
      writeFileSync(
        join(app, `tsconfig.${name}.json`),
        JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files: ['consumer.ts', 'app.tsx'] }),
      );
      return run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${name}.json`], app);
    }),
  );
  assert.deepEqual(
    results.map((r) => r.reason?.message ?? 'ok'),
    ['ok', 'ok'],
  );
});

test(
  'rtc-elements/bundle loads in a page: the three tags, the engine, and its lazily loaded siblings',
  { timeout: TEST_MS },
  async () => {
    const require = createRequire(join(app, 'package.json'));
    const { startSignalingServer, staticFiles } = await import(
      pathToFileURL(require.resolve(`${manifest.name}/server`))
    );
    const bundle = require.resolve(`${manifest.name}/bundle`);
    const bundleUrl = `/${relative(app, bundle).split(sep).join('/')}`;
    const siblings = readdirSync(dirname(bundle)).filter((name) => /^rtc-elements-.*\.js$/.test(name));
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>consumer</title><link rel="icon" href="data:,">');
    const server = await startSignalingServer({
      port: 0,
      onRequest: (request, response) => void staticFiles({ '/': app })(request, response),
    });
    const browser = await puppeteer.launch({
      browser: 'chrome',
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage();
      const problems = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      await page.goto(`${server.url.replace(/^ws/, 'http')}/index.html`);
      const seen = await page.evaluate(
        async (url, lazy) => {
          const bundle = await import(url);
          const base = url.slice(0, url.lastIndexOf('/') + 1);
          const loaded = [];
          for (const name of lazy)
            loaded.push(Object.keys(await import(base + name)).length > 0 ? name : `${name} (empty)`);
          return {
            tags: ['rtc-call', 'rtc-data-channel', 'rtc-video'].filter((tag) => customElements.get(tag)),
            engine: typeof bundle.WebRtcClient,
            loaded,
          };
        },
        bundleUrl,
        siblings,
      );
      assert.deepEqual(seen, {
        tags: ['rtc-call', 'rtc-data-channel', 'rtc-video'],
        engine: 'function',
        loaded: siblings,
      });
      assert.ok(siblings.length > 0, 'the bundle has lazily loaded siblings');
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test('rtc-elements-server --redis without the redis package says to install it', async () => {
  const bin = join(app, 'node_modules', '.bin', Object.keys(manifest.bin)[0]);
  const failure = await run(bin, ['--port', '0', '--redis', 'redis://127.0.0.1:9'], app).then(
    () => null,
    (error) => error,
  );
  assert.ok(failure, 'the server did not exit with an error');
  assert.equal(failure.code, 2);
  assert.match(failure.stderr, /"redis" package .*npm install redis/);
});

test('the same tarball passes publint and arethetypeswrong', { timeout: TEST_MS }, async () => {
  const publint = await run('publint', ['run', tarball, '--strict', '--level', 'suggestion'], temp);
  assert.match(publint.stdout, /All good!/);
  // ESM only by design: a require() of it is the one thing attw may find, so that rule is off.
  const attw = await run('attw', [tarball, '--ignore-rules', 'cjs-resolves-to-esm'], temp);
  assert.match(attw.stdout, /No problems found/);
});
