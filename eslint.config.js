import path from 'node:path';
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

// Every folder of src/ (nested ones too: src/events/timestamp/, src/api/routes/...) has a module
// surface, its index.ts: what the rest of the code may use of it. From src/, bench/ and scripts/,
// importing any other file of a folder one is not inside is an error, so a folder's inner files can
// move and change without its users noticing, and a newcomer reads one file to learn what a folder
// offers. Inside a folder, files import their siblings directly (never their own index.ts, which
// would be a cycle). Tests may import inner files: they test internals. The import path is
// resolved, not matched as text, so `../store/levels.ts` and `../../src/store/levels.ts` are caught
// alike. Not imports, so not checked: the worker thread the pool loads by URL, the dashboard's
// static files, and bin/ipstream.js.
const SRC_DIR = path.join(import.meta.dirname, 'src');
const moduleSurface = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      inner: "import {{folder}}/index.ts, the folder's module surface, not {{file}}",
      own: 'inside {{folder}}/, import the file itself, not the index.ts that re-exports it (a cycle)',
    },
  },
  create(context) {
    const importer = context.filename;
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(importer), spec);
      const parts = path.relative(SRC_DIR, target).split(path.sep);
      if (parts[0] === '..' || path.isAbsolute(parts[0])) return;
      if (parts.at(-1) === 'index.ts' && importer.startsWith(path.dirname(target) + path.sep)) {
        const folder = `src/${parts.slice(0, -1).join('/')}`;
        context.report({ node: node.source, messageId: 'own', data: { folder } });
        return;
      }
      // The outermost folder of the target that does not hold the importer: only its index.ts.
      for (let i = 1; i < parts.length; i++) {
        const folder = path.join(SRC_DIR, ...parts.slice(0, i));
        if (importer.startsWith(folder + path.sep)) continue;
        if (target !== path.join(folder, 'index.ts')) {
          const data = { folder: `src/${parts.slice(0, i).join('/')}`, file: `src/${parts.join('/')}` };
          context.report({ node: node.source, messageId: 'inner', data });
        }
        return;
      }
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

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
    // Config reads the environment; local-services/ passes it through to the processes it spawns,
    // and main-heap.ts to the process it replaces itself with.
    files: [
      'src/config/**',
      'src/app/main-heap.ts',
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
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    plugins: { ipstream: { rules: { 'module-surface': moduleSurface } } },
    rules: { 'ipstream/module-surface': 'error' },
  },
  {
    // Plain JavaScript (the bin shim, this file, the dashboard's browser script): no type information.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
