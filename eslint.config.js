// ESLint for podfn: typescript-eslint's type-checked rules on every TypeScript file, and the import
// boundaries of src/ (each folder's role; docs/architecture.md lists the same rules — keep them in
// step). Formatting is Prettier's job (npm run check runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a src/ folder may not make: relative paths into the named sibling folders. */
const notInto = (...folders) => folders.map((f) => `**/${f}/**`);

/** src/<folder>/** may import only what `allow` (folders) names, besides itself and node built-ins. */
const ALL = ['runner', 'models', 'metrics', 'store', 'request', 'gateway', 'queue', 'cluster', 'http', 'cli', 'ui'];
const boundary = (folder, allow, message, extra = []) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [{ group: notInto(...ALL.filter((f) => f !== folder && !allow.includes(f))), message }, ...extra],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'db/migrations/**', '.ci/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `void promise` marks a deliberately detached promise (timers, fire-and-forget cleanup)
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // numbers and booleans in messages are what they look like
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  // src/ boundaries: what each folder is for decides what it may import
  boundary('runner', [], 'src/runner imports only node built-ins, dockerode and itself', [
    { regex: '^(?!node:|dockerode$|\\.)', message: 'src/runner imports only node built-ins, dockerode and itself' },
    { regex: '^(\\.\\./)+(config|log|main|version|admin-token|privileges)\\.ts$', message: 'src/runner imports only node built-ins, dockerode and itself' },
  ]),
  boundary('models', ['runner'], 'src/models is pure: it may import only runner/call-env (variable-name rules)', [
    { regex: '^(?!node:|zod$|croner$|\\.)', message: 'src/models is pure: no I/O packages (zod; croner for cron expressions)' },
  ]),
  boundary('metrics', [], 'src/metrics imports nothing else in src', [{ regex: '^\\.\\./[^/]+\\.ts$', message: 'src/metrics imports nothing else in src' }]),
  boundary('store', ['models'], 'src/store (all SQL) never imports http/, runner/, gateway/, queue/ or cluster/'),
  boundary('request', ['models', 'store'], 'src/request is shared by both entrances: models and store (sql-errors) only'),
  boundary('gateway', ['request', 'models', 'store', 'runner', 'metrics'], 'src/gateway may import request, models, store, runner (types), metrics (types)'),
  boundary('queue', ['gateway', 'store', 'runner', 'models'], 'src/queue may import gateway, store, runner (types, call-env)'),
  boundary('cluster', ['gateway', 'store'], 'src/cluster may import gateway and store'),
  boundary('http', ['request', 'gateway', 'models', 'store', 'queue', 'cluster', 'metrics', 'ui'], 'src/http never imports the runner'),
  boundary('ui', [], 'src/ui (the console) imports nothing else in src: src/http mounts it', [
    { regex: '^\\.\\./[^/]+\\.ts$', message: 'src/ui imports nothing else in src' },
  ]),
  // the console's browser code: its own modules, preact and uPlot (bundled by scripts/build.mjs); no node
  {
    files: ['src/ui/client/**/*.ts', 'src/ui/client/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./|preact(/|$)|uplot(/|$))', message: 'the console (browser code) imports only its own modules, preact and uplot' }] },
      ],
    },
  },
  boundary('cli', [], 'the podfn CLI is a client: it may import only config and version'),
);
