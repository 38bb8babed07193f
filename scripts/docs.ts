// `npm run docs`: writes the documents generated from code (the configuration reference).
import { writeFileSync } from 'node:fs';
import { settingsDoc } from '../src/config/index.ts';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), settingsDoc());
process.stdout.write('wrote docs/configuration.md\n');
