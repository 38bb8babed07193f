import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { settingsDoc } from '../../../src/config/index.ts';
import { settingRows } from '../../../src/config/settings.ts';

test('docs/configuration.md is what the settings table says (npm run docs rewrites it)', () => {
  const written = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(written, settingsDoc());
});

test('every setting read from the environment is documented, with its default', () => {
  const doc = settingsDoc();
  for (const { setting } of settingRows()) {
    if (setting.env === null) continue;
    assert.match(doc, new RegExp(`\\| \`${setting.env}\` +\\|`), setting.env);
    assert.ok(setting.doc.length > 0, `${setting.env} says what it does`);
  }
});
