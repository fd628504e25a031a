import type { BulkActionInput, Tasklane } from '../client/src';
import type { TaskView } from '../functions/core/task';
import { CliError } from './errors';

/** The filter of a bulk action, as given on the command line. */
export interface BulkOptions {
  status?: string;
  type?: string;
  /** `--created-after`: an RFC 3339 time. */
  createdAfter?: string;
  /** `--created-before`: an RFC 3339 time. */
  createdBefore?: string;
  /** `--ids`: task ids separated by commas. */
  ids?: string;
}

/**
 * POST /tasks/bulk: a `bulk` task that cancels or reruns the tasks the options select. The API
 * checks the filter (an empty one, a bad time) and names the field it refuses.
 */
export function startBulk(client: Tasklane, action: string | undefined, options: BulkOptions): Promise<TaskView> {
  if (action !== 'cancel' && action !== 'rerun')
    throw new CliError(
      `bulk needs an action, cancel or rerun (got "${action ?? ''}"), e.g. "tasklane bulk cancel --status scheduled --type generic".`,
    );
  const ids = options.ids
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const filter = {
    status: options.status,
    type: options.type,
    created_after: options.createdAfter,
    created_before: options.createdBefore,
    ids,
  };
  return client.tasks.bulk({
    action,
    // The flags go as given: the API checks the status and the times and names what it refuses.
    filter: Object.fromEntries(
      Object.entries(filter).filter(([, value]) => value !== undefined),
    ) as BulkActionInput['filter'],
  });
}
