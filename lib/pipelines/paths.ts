import { fileURLToPath } from 'node:url';

/** The project root (holding package.json and package-lock.json), found from this file, not the cwd. The one definition. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** The handler entry of functions/<name>/. */
export function functionEntry(name: string): string {
  return `${PROJECT_ROOT}/functions/${name}/handler.ts`;
}
