/** The configuration reference (docs/configuration.md), written from the settings table. */
import { type Setting, settingRows, shownDefault } from './settings.ts';

function shown(s: Setting): string {
  return s.default === undefined && s.shownDefault === undefined ? 'unset' : `\`${shownDefault(s)}\``;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(3, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

export function settingsDoc(): string {
  const rows = settingRows()
    .filter((r) => r.setting.env !== null)
    .map((r) => [`\`${r.setting.env}\``, shown(r.setting), r.setting.doc.replaceAll('|', '\\|')]);
  return `<!-- Written by \`npm run docs\` from src/config/settings.ts; edit that table, not this file. -->

# Configuration

ipstream reads these environment variables once, at start-up; command-line flags override them
(\`npx ipstream <command> --help\`). A wrong value stops the command with one line naming the
variable and what it expects. When neither \`KAFKA_BROKERS\` nor \`MONGODB_URI\` is set and nothing
answers on the default addresses, \`up\`, \`services up\` and the test suite start local Kafka and
FerretDB themselves.

${table([['variable', 'default', 'meaning'], ...rows])}
`;
}
