// The build: ESM + .d.ts (tsc), the script-tag bundle and the demo bundles (esbuild), the Wasm
// demo module (AssemblyScript) and custom-elements.json (the CEM analyzer).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' });
const bin = (name) => `node_modules/.bin/${name}`;

run(bin('tsc'), ['-p', 'tsconfig.json']);

const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none' };
await build({ ...common, entryPoints: ['components/bundle.ts'], outfile: 'dist/rtc-elements.js', metafile: false });
await build({
  ...common,
  entryPoints: ['demo/framework/app.jsx'],
  outfile: 'dist/demo/framework.js',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
});
await build({ ...common, entryPoints: ['demo/wasm/glue.js'], outfile: 'dist/demo/wasm-glue.js' });

mkdirSync('dist/demo', { recursive: true });
run(bin('asc'), ['demo/wasm/frames.ts', '--outFile', 'dist/demo/frames.wasm', '--optimize', '--runtime', 'stub']);
run(bin('cem'), ['analyze', '--litelement', '--globs', 'components/**/*.ts', '--exclude', 'components/**/*.test.ts', '--exclude', 'components/test-helpers.ts', '--quiet']);
console.log('build: dist/ and custom-elements.json are up to date');
