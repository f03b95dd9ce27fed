// A/B of the time to an open channel: the engine at a commit (default HEAD) against the working
// tree, with raw WebRTC in the same rounds, in Chromium and Firefox. Interleaved rounds and paired
// ratios, because single set-ups vary by 10-25 % here. AB_FIGURE=rtt races 200 small round trips
// a round instead.
//   node bench/ab-open.mjs [commit]     AB_ROUNDS (default 200), AB_BROWSERS (chromium,firefox), AB_FIGURE (open|rtt)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { launch } from '../test/e2e/browsers.mjs';
import { startSignalingServer, staticFiles } from '../dist/server/index.js';

const ref = process.argv[2] ?? 'HEAD';
const rounds = Number(process.env.AB_ROUNDS ?? 200);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const old = mkdtempSync(join(tmpdir(), 'rtc-ab-'));
execFileSync('git', ['worktree', 'add', '--detach', '-f', old, ref], { stdio: 'ignore' });
try {
  const oldEngine = {
    name: 'old-engine',
    setup: (b) => b.onResolve({ filter: /^old-engine$/ }, () => ({ path: join(old, 'src/index.ts') })),
  };
  await build({
    entryPoints: ['bench/ab-page.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    outfile: 'bench/.build/ab.js',
    plugins: [oldEngine],
  });
  writeFileSync('bench/.build/ab.html', '<!doctype html><script type="module" src="ab.js"></script>');
  const serve = staticFiles({ '/ab/': 'bench/.build' });
  const web = await startSignalingServer({ port: 0, onRequest: (q, r) => void serve(q, r) });
  for (const name of (process.env.AB_BROWSERS ?? 'chromium,firefox').split(',')) {
    const browser = await launch(name, name === 'chromium' ? ['--js-flags=--expose-gc'] : []);
    const page = await browser.newPage();
    await page.goto(`${web.url.replace('ws', 'http')}/ab/ab.html?figure=${process.env.AB_FIGURE ?? 'open'}`);
    await page.waitForFunction(() => globalThis.abReady === true);
    const t = { raw: [], old: [], new: [] };
    // In parts, so that no single evaluate outlasts the protocol timeout.
    for (let done = 0; done < rounds; done += 25) {
      const part = await page.evaluate((n) => globalThis.ab(n), Math.min(25, rounds - done));
      for (const k of Object.keys(t)) t[k].push(...part[k]);
    }
    const whole = t.raw.map((_, i) => Object.values(t).every((xs) => !Number.isNaN(xs[i])));
    for (const k of Object.keys(t)) t[k] = t[k].filter((_, i) => whole[i]);
    const ratio = (xs, base) => median(xs.map((x, i) => x / base[i])).toFixed(3);
    console.log(
      `${process.env.AB_FIGURE ?? 'open'}, ${name}, ${t.raw.length} of ${rounds} rounds: ${ref} ${ratio(t.old, t.raw)} x raw, working tree ${ratio(t.new, t.raw)} x raw, working tree ÷ ${ref} ${ratio(t.new, t.old)}`,
    );
    await browser.close();
  }
  await web.close?.();
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', old], { stdio: 'ignore' });
  rmSync(old, { recursive: true, force: true });
}
process.exit(0);
