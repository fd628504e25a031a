import { readFileSync } from 'node:fs';

/**
 * The dashboard page as the local stack serves it, read from disk. The API Lambda bundles the
 * same file as text instead (functions/api/handler.ts), so nothing is read at run time there.
 */
export function loadDashboardHtml(): string {
  return readFileSync(new URL('./index.html', import.meta.url), 'utf8');
}
