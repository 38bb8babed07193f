import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers of src/, lowest first: a folder may import its own and lower layers, never higher ones
// (type-only imports across a layer are allowed where a status is reported up). Product code never
// imports the benchmarks (bench/): the one entry is the lazy import() of `ipstream bench`.
const LAYERS = [
  ['errors'],
  ['events', 'sketch'],
  ['config', 'retry', 'log'],
  ['kafka', 'store'],
  ['ingest', 'query', 'producer', 'scaling', 'local-services'],
  ['api'],
  ['app'],
  ['cli'],
];
// The pure layers read no I/O module.
const IO_MODULES = [
  'mongodb',
  '@platformatic/kafka',
  'fastify',
  'pino',
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:child_process',
  'node:worker_threads',
];

function layerRules() {
  return LAYERS.flatMap((layer, i) => {
    const higher = LAYERS.slice(i + 1).flat();
    const patterns = [
      { group: ['**/bench/**'], message: 'product code must not import bench/' },
      ...(higher.length === 0
        ? []
        : [
            {
              group: higher.map((f) => `**/${f}/**`),
              allowTypeImports: true,
              message: `a lower layer must not import a higher one (${higher.join(', ')})`,
            },
          ]),
      ...(i <= 1 ? [{ group: IO_MODULES, message: 'errors, events and sketch are pure: no I/O' }] : []),
    ];
    return [
      {
        files: layer.map((f) => `src/${f}/**`),
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
      },
    ];
  });
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.ipstream/',
      'bench-results/',
      'test-artifacts/',
      'src/api/dashboard/vendor/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify plugins and hooks must be async whether or not they await.
      '@typescript-eslint/require-await': 'off',
      // node:test's test/describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read the environment only in src/config; pass the typed Config object instead.',
        },
      ],
    },
  },
  {
    // Config reads the environment; local-services/ passes it through to the processes it spawns.
    files: [
      'src/config/**',
      'src/local-services/processes.ts',
      'src/local-services/tools.ts',
      'src/local-services/ferretdb-local.ts',
      'test/**',
      'scripts/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layerRules(),
  {
    // Plain JavaScript (the bin shim, this file, the dashboard's browser script): no type information.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
