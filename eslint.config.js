import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
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
    // Config reads the environment; services/ passes it through to the processes it spawns.
    files: [
      'src/config/**',
      'src/services/processes.ts',
      'src/services/tools.ts',
      'src/services/ferretdb-local.ts',
      'test/**',
      'scripts/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Benchmarks live outside the product (bench/): product code never imports them, so a
    // production install without their development dependencies runs every command. The one
    // entry is the lazy `import()` of `ipstream bench` (src/cli/commands/bench.ts).
    files: ['src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/bench/**'], message: 'product code must not import bench/' }] },
      ],
    },
  },
);
