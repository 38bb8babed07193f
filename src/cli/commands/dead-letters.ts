import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { runDeadLetterReplay } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import type { ReplayReport } from '../../ingest/index.ts';

function summary(r: ReplayReport, dryRun: boolean): string {
  const invalid = Object.entries(r.stillInvalid)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const lines = [
    `${r.matched} dead letters matched`,
    `${dryRun ? 'would store' : 'stored'} ${r.stored} as events` +
      (r.alreadyStored > 0
        ? `, ${dryRun ? 'would remove' : 'removed'} ${r.alreadyStored} already stored`
        : ''),
    `still invalid ${Object.values(r.stillInvalid).reduce((a, b) => a + b, 0)}${invalid ? ` (${invalid})` : ''}`,
    `value cut short (only Kafka has it) ${r.truncated}`,
    `not committed yet by the ingest group (left for later) ${r.uncommitted}`,
  ];
  if (r.refused > 0) lines.push(`refused by the store again ${r.refused}`);
  return lines.join('\n') + '\n';
}

export function registerDeadLettersCommand(program: Command): void {
  const deadLetters = program.command('dead-letters').description('records that could not be stored');
  deadLetters
    .command('replay')
    .description(
      "decode stored dead letters again with today's decoder; store the now-valid ones exactly once under their original ids",
    )
    .option('--reason <code>', 'only dead letters with this reason (e.g. TS_UNRECOGNIZED)')
    .option('--dry-run', 'count what a replay would do; change nothing')
    .action(async (flags: { reason?: string; dryRun?: boolean }) => {
      const dryRun = flags.dryRun === true;
      const bar = new SingleBar(
        {
          format: `${dryRun ? 'dry run' : 'replay'} [{bar}] {value}/{total} | stored {stored} | still invalid {invalid}`,
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      let started = false;
      const report = await runDeadLetterReplay(loadConfig(), {
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
        dryRun,
        onProgress: (r) => {
          const values = {
            stored: r.stored,
            invalid: Object.values(r.stillInvalid).reduce((a, b) => a + b, 0),
          };
          if (!started) {
            bar.start(r.matched - r.uncommitted, r.processed, values);
            started = true;
          } else bar.update(r.processed, values);
        },
      }).finally(() => bar.stop());
      process.stdout.write(summary(report, dryRun));
    });
}
