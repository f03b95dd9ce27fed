// The build: ESM + .d.ts (tsc), the script-tag bundle and custom-elements.json (the CEM analyzer): what the package
// ships. Then,
// unless `--package` (prepack) is given, the demo bundles (esbuild; React, Vue and Svelte apps) and the Wasm demo
// module
// (AssemblyScript) in dist/demo/, which the demo pages load but package.json "files" leaves out.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync as makeDir, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build, transform } from 'esbuild';
import { minify } from 'terser';

const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' });
const bin = (name) => `node_modules/.bin/${name}`;

const packageOnly = process.argv.includes('--package');

// Outputs of renamed or deleted sources (or of an older build that compiled the test helpers) must not reach the
// package.
for (const dir of ['dist/src', 'dist/components', 'dist/server', 'dist/test', 'dist/chunks'])
  rmSync(dir, { recursive: true, force: true });
const bundleFiles = existsSync('dist') ? readdirSync('dist').filter((name) => /^rtc-elements.*\.js$/.test(name)) : [];
for (const name of bundleFiles) rmSync(`dist/${name}`);
// The package ships no source maps (they would point at .ts sources it does not ship either), so its .js names none.
run(bin('tsc'), ['-p', 'tsconfig.json', ...(packageOnly ? ['--sourceMap', 'false'] : [])]);
// The package's .js carry no comments and no layout (the .d.ts keep the API docs for editors): a smaller install, the
// same code.
if (packageOnly) {
  for (const dir of ['dist/src', 'dist/components', 'dist/server']) {
    for (const name of readdirSync(dir, { recursive: true })) {
      if (!name.endsWith('.js')) continue;
      const file = `${dir}/${name}`;
      const { code } = await transform(readFileSync(file, 'utf8'), {
        format: 'esm',
        target: 'es2022',
        legalComments: 'none',
        // Whitespace only: names stay as written, so a stack trace still reads.
        minifyWhitespace: true,
      });
      writeFileSync(file, code);
    }
  }
}

const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none' };
// The script-tag bundle: esbuild bundles and minifies, then terser minifies again (smaller than either alone: esbuild
// names each
// class's #private members from the shortest names up, and terser compresses further).
// Rarely used parts (WHIP/WHEP, file transfer, statistics, mesh, fragment mode, ICE diagnosis, device lists and screen
// capture, waiting for a whole ICE gathering, ICE restarts) are sibling files loaded when first used; they take
// the errors from the main file, so nothing is bundled twice and the main file stands alone.
const LAZY = {
  'src/signaling/whip-signaler.ts': 'rtc-elements-whip.js',
  'components/rtc-data-channel/file-transfer.ts': 'rtc-elements-files.js',
  'src/stats.ts': 'rtc-elements-stats.js',
  'components/rtc-call/mesh.ts': 'rtc-elements-mesh.js',
  'components/rtc-call/sfu.ts': 'rtc-elements-sfu.js',
  'src/fragments.ts': 'rtc-elements-fragments.js',
  'src/ice-diagnosis.ts': 'rtc-elements-ice.js',
  'src/devices.ts': 'rtc-elements-devices.js',
  'src/gathering.ts': 'rtc-elements-gathering.js',
  'src/signaling/ice-restart.ts': 'rtc-elements-restart.js',
};
const lazyImports = {
  name: 'lazy-siblings',
  setup(b) {
    b.onResolve(
      {
        filter:
          /whip-signaler\.js$|file-transfer\.js$|stats\.js$|mesh\.js$|sfu\.js$|fragments\.js$|ice-diagnosis\.js$|devices\.js$|gathering\.js$|ice-restart\.js$/,
      },
      (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = Object.entries(LAZY).find(([source]) =>
          args.path.endsWith(source.split('/').pop().replace('.ts', '.js')),
        );
        return target ? { path: `./${target[1]}`, external: true } : undefined;
      },
    );
  },
};
const errorsFromMain = {
  name: 'errors-from-main',
  setup(b) {
    b.onResolve({ filter: /errors\.js$/ }, () => ({ path: './rtc-elements.js', external: true }));
  },
};
/**
 * The elements' unsafeCSS(`…`) styles without comments and needless spaces (our CSS has no `${}` and no quoted text
 * where spaces matter).
 */
const compactCss = {
  name: 'compact-css',
  setup(b) {
    b.onLoad({ filter: /components[\\/].*\.ts$/ }, (args) => ({
      loader: 'ts',
      contents: readFileSync(args.path, 'utf8').replace(
        /unsafeCSS\(`([^`$]*)`/g,
        (_, text) =>
          `unsafeCSS(\`${text
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .replace(/\s*([{};,])\s*/g, '$1')
            .replace(/:\s+/g, ':') // after a colon only: a space before one is a selector's descendant combinator
            .replace(/;}/g, '}')
            .trim()}\``,
      ),
    }));
  },
};
const outputs = [];
outputs.push(
  ...(
    await build({
      ...common,
      sourcemap: false,
      write: false,
      entryPoints: ['components/bundle.ts'],
      outfile: 'dist/rtc-elements.js',
      plugins: [lazyImports, compactCss],
    })
  ).outputFiles,
);
for (const [source, out] of Object.entries(LAZY)) {
  outputs.push(
    ...(
      await build({
        ...common,
        sourcemap: false,
        write: false,
        entryPoints: [source],
        outfile: `dist/${out}`,
        plugins: [errorsFromMain],
      })
    ).outputFiles,
  );
}
for (const file of outputs) {
  const minified = await minify(file.text, {
    module: true,
    ecma: 2022,
    // Nothing here reads a function's length (keep_fargs), and [].slice is Array.prototype.slice (unsafe_proto).
    compress: { passes: 3, pure_getters: true, keep_fargs: false, unsafe_proto: true },
    format: { comments: false },
  });
  writeFileSync(file.path, minified.code);
}
run(bin('cem'), [
  'analyze',
  '--litelement',
  '--globs',
  'components/**/*.ts',
  '--exclude',
  'components/**/*.test.ts',
  '--exclude',
  'components/test-helpers.ts',
  '--quiet',
]);
// The manifest describes the public API: private and protected members are no one's business (and were half its size).
const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
for (const module of manifest.modules ?? []) {
  for (const declaration of module.declarations ?? []) {
    if (declaration.members)
      declaration.members = declaration.members.filter(
        (m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.name?.startsWith('#'),
      );
  }
}
// The analyzer's file order varies from run to run: by path, the file changes only when the API does.
manifest.modules?.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
writeFileSync('custom-elements.json', `${JSON.stringify(manifest, null, 2)}\n`);
if (packageOnly) {
  console.log("build: the package's files in dist/ and custom-elements.json are up to date (demo bundles not built)");
  process.exit(0);
}
await build({
  ...common,
  entryPoints: ['demo/framework/app.tsx'],
  outfile: 'dist/demo/framework.js',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
});
// Vue with its template compiler (the demo's template is compiled in the page).
await build({
  ...common,
  entryPoints: ['demo/vue/app.js'],
  outfile: 'dist/demo/vue.js',
  define: {
    'process.env.NODE_ENV': '"production"',
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
});
/** `.svelte` files, compiled by Svelte's own compiler. */
const svelteFiles = {
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async (args) => {
      const { compile } = await import('svelte/compiler');
      return {
        contents: compile(readFileSync(args.path, 'utf8'), { filename: args.path, generate: 'client' }).js.code,
        loader: 'js',
      };
    });
  },
};
await build({
  ...common,
  entryPoints: ['demo/svelte/main.js'],
  outfile: 'dist/demo/svelte.js',
  plugins: [svelteFiles],
  conditions: ['svelte', 'browser'],
});
await build({ ...common, entryPoints: ['demo/wasm/glue.js'], outfile: 'dist/demo/wasm-glue.js' });

makeDir('dist/demo', { recursive: true });
run(bin('asc'), ['demo/wasm/frames.ts', '--outFile', 'dist/demo/frames.wasm', '--optimize', '--runtime', 'stub']);
console.log('build: dist/ and custom-elements.json are up to date');
