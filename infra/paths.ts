import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: Lambda entries, tsconfig.json and package-lock.json are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a file given relative to the repository root, e.g. `functions/api/handler.ts`. */
export function projectPath(relative: string): string {
  return path.join(PROJECT_ROOT, relative);
}
