import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder that holds package.json; local service files and relative state folders hang off it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function resolveStateDir(stateDir: string): string {
  return isAbsolute(stateDir) ? stateDir : resolve(PROJECT_ROOT, stateDir);
}
