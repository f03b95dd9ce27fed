// Where the script-tag bundle's bytes go: Lit exactly (what we import from it, bundled and
// minified alone), the rest shared out by each part's minified bytes in the bundle (esbuild's
// metafile). Run after `npm run build`.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minify } from 'terser';

const gz = (text) => gzipSync(text, { level: 9 }).length;
const terse = async (code) =>
  (
    await minify(code, {
      module: true,
      ecma: 2022,
      compress: { passes: 3, pure_getters: true },
      format: { comments: false },
    })
  ).code;

const PARTS = [
  ['Lit (ReactiveElement and unsafeCSS; no lit-html)', (path) => path.includes('node_modules/')],
  ['the three elements (components/)', (path) => path.startsWith('components/')],
  [
    'signaling: session, WebSocket signaler, message checks (src/signaling/)',
    (path) => path.startsWith('src/signaling/'),
  ],
  [
    'engine: client, peer connection, data channel, media, errors, validation (src/)',
    (path) => path.startsWith('src/'),
  ],
];

export async function bundleBreakdown() {
  const total = gz(readFileSync('dist/rtc-elements.js'));
  const lit = await build({
    stdin: {
      contents: "export { ReactiveElement, unsafeCSS } from '@lit/reactive-element';",
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  });
  const litBytes = gz(await terse(lit.outputFiles[0].text));
  // The bundle's own inputs, as the build bundles them (lazy parts left out).
  const lazy = {
    name: 'lazy',
    setup(b) {
      b.onResolve(
        {
          filter:
            /whip-signaler\.js$|file-transfer\.js$|stats\.js$|mesh\.js$|fragments\.js$|ice-diagnosis\.js$|devices\.js$|gathering\.js$|ice-restart\.js$|sfu\.js$/,
        },
        (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined),
      );
    },
  };
  const result = await build({
    entryPoints: ['components/bundle.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    outfile: 'x.js',
    plugins: [lazy],
  });
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs);
  const minified = Object.fromEntries(PARTS.map(([name]) => [name, 0]));
  for (const [path, { bytesInOutput }] of inputs) {
    const part = PARTS.find(([, test]) => test(path));
    if (part) minified[part[0]] += bytesInOutput;
  }
  const ours = Object.entries(minified).filter(([name]) => !name.startsWith('Lit'));
  const oursMinified = ours.reduce((sum, [, bytes]) => sum + bytes, 0);
  const rows = [[PARTS[0][0], litBytes, true]];
  for (const [name, bytes] of ours) rows.push([name, Math.round(((total - litBytes) * bytes) / oursMinified), false]);
  return { total, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { total, rows } = await bundleBreakdown();
  for (const [name, bytes, exact] of rows) console.log(`${exact ? '' : '≈'}${bytes}\t${name}`);
  console.log(`${total}\ttotal`);
}
