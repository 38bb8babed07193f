// `npm test`: the whole suite, as CI runs it. Static checks first (types, lint, import cycles,
// format: fast, and a type error makes every later failure noise), then the timestamp tests under a
// second host time zone, then every unit, integration, benchmark, fault-injection, (short) stress
// and (short) chaos test in one run against real Kafka and FerretDB (started if not running).
import { spawnSync } from 'node:child_process';

const node = process.execPath;
const steps: { title: string; command: string; args: string[]; env?: Record<string, string> }[] = [
  { title: 'typecheck', command: node, args: ['node_modules/typescript/bin/tsc', '--noEmit'] },
  { title: 'lint', command: node, args: ['node_modules/eslint/bin/eslint.js', '.'] },
  {
    // Any import cycle in src/ (or bench/, which src/ loads on demand) fails, type-only imports
    // included: a cycle makes load order matter, and a folder's index.ts can close one unseen.
    title: 'import cycles',
    command: node,
    args: [
      'node_modules/dpdm/lib/bin/dpdm.js',
      '--no-tree',
      '--no-warning',
      '--circular',
      '--exit-code',
      'circular:1',
      'src/**/*.ts',
      'bench/**/*.ts',
    ],
  },
  {
    title: 'format',
    command: node,
    args: ['node_modules/prettier/bin/prettier.cjs', '--check', '.', '--log-level', 'warn'],
  },
  {
    title: 'timestamp tests, TZ=Asia/Kolkata',
    command: node,
    args: ['--test', 'test/unit/events/timestamp/*.test.ts', 'test/unit/cli/timestamp.test.ts'],
    env: { TZ: 'Asia/Kolkata' },
  },
  {
    title: 'all tests (unit, integration, benchmarks, faults), TZ=America/New_York',
    command: node,
    args: [
      '--test',
      '--test-concurrency=1',
      '--test-timeout=600000',
      '--test-global-setup=test/global-setup.ts',
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/bench/**/*.test.ts',
      'test/faults/**/*.test.ts',
      'test/stress/**/*.test.ts',
      'test/chaos/**/*.test.ts',
    ],
    env: { TZ: 'America/New_York' },
  },
];

for (const step of steps) {
  process.stdout.write(`\n== ${step.title}\n`);
  const result = spawnSync(step.command, step.args, {
    stdio: 'inherit',
    env: { ...process.env, ...step.env },
  });
  if (result.status !== 0) {
    process.stdout.write(`\n== ${step.title} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}
