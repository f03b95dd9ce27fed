// ESLint finds problems; Prettier (.prettierrc.json) owns the layout, so no rule here is about style.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TS = ['**/*.ts', '**/*.tsx', '**/*.mts'];
const TYPED = [
  'src/**/*.ts',
  'components/**/*.ts',
  'server/**/*.ts',
  'test/**/*.ts',
  'test/**/*.tsx',
  'bench/**/*.ts',
  'demo/framework/*.tsx',
];

export default defineConfig([
  globalIgnores(['dist/', 'bench/.build/', 'bench/build/', 'test-artifacts/', 'custom-elements.json']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_` names a value that must be taken but is not used (a destructured rest, a callback's first argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `declare module 'react' { namespace JSX {…} }` is how a package adds its tags to React's JSX types.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // The engine's classes type addEventListener by merging an interface of the same name that
      // declares only those two methods' signatures (typed events); the class has both.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      // Prettier breaks code at 120 but not comments: this catches those. Strings (messages, test
      // titles) are left whole so that a search finds them.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    files: ['src/**', 'components/**', 'demo/**', 'test/browser/**', 'test/types/**', 'bench/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: [
      'server/**',
      'scripts/**',
      'bench/*.mjs',
      'examples/**',
      'test/node/**',
      'test/e2e/**',
      'test/support/**',
      '*.js',
      '*.mjs',
      '*.cjs',
    ],
    languageOptions: { globals: globals.node },
  },
  {
    // Puppeteer's page.evaluate() callbacks in the Node tests run in the page.
    files: ['test/node/**', 'test/e2e/**', 'bench/*.mjs'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['components/**'],
    extends: [lit.configs['flat/recommended'], wc.configs['flat/best-practice']],
    settings: {
      lit: { elementBaseClasses: ['ReactiveElement'] },
      wc: { elementBaseClasses: ['ReactiveElement'] },
    },
    rules: {
      // Our only base class, ReactiveElement, has every lifecycle callback (and tsc rejects a super call to a missing
      // one).
      'wc/guard-super-call': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      // Chai's assertions are property reads: `expect(x).to.be.true`.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['bench/**'],
    rules: {
      // simple-peer and PeerJS are loaded in the bench page by script tags, without types.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Type-aware, and only the rules that find promises nobody handles (unhandled rejections). The parser reads the
    // tsconfig with TypeScript 6's API (the `typescript` dependency); tsc 7 (`@typescript/native`) builds and
    // type-checks.
    files: TYPED,
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: TS,
    rules: {
      // TypeScript itself reports undefined names, and knows globals such as `RTCPeerConnection` better.
      'no-undef': 'off',
    },
  },
]);
