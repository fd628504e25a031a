import { taskTypeLookup, type TaskTypes } from '../core/task-types';
import type { TaskTypeDefinition } from '../core/task-type';
import { defineBulkType } from './bulk';
import { email } from './email';
import { exportTasks } from './export';
import { generic } from './generic';
import { defineImportType } from './import';
import { workflow } from './workflow';

/**
 * The one list of task types. The API validates against it, the workers run from it, and the CDK
 * and local stacks create a queue, DLQ and worker per entry. Adding a type: one file + one line here.
 *
 * A worker's Lambda bundle keeps only its own type where it can (infra/worker-bundle.ts): the CDK stack
 * has esbuild replace `process.env.TASKLANE_BUNDLED_TYPE` with the type's name, every other line below
 * folds to `[]`, and esbuild drops the modules no line uses (package.json `"sideEffects": false`), with
 * their libraries (csv-parse, csv-stringify). Chosen over a generated entry file per type because it
 * needs no build step and no file list: the line naming the type is the only place that knows it.
 * Everywhere else (API, scheduled functions, local stack, tests, and the workers of types that create
 * or manage tasks of any type) the variable is unset and every type is listed. Each line must name its
 * own type: test/infra checks every worker's bundle holds its type.
 */
export const TASK_TYPES: readonly TaskTypeDefinition[] = [
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'generic') === 'generic' ? [generic] : []),
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'email') === 'email' ? [email] : []),
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'export') === 'export' ? [exportTasks] : []),
  // The import creates tasks of the other types, so it is handed this list (read when it runs).
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'import') === 'import' ? [defineImportType(() => TASK_TYPES)] : []),
  // Bulk actions filter by type, so the bulk type is handed this list too.
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'bulk') === 'bulk' ? [defineBulkType(() => TASK_TYPES)] : []),
  ...((process.env.TASKLANE_BUNDLED_TYPE ?? 'workflow') === 'workflow' ? [workflow] : []),
];

/** The registry as the lookup the core is handed (functions/core/task-types.ts). */
export const taskTypes: TaskTypes = taskTypeLookup(TASK_TYPES);

export function taskTypeNames(): string[] {
  return taskTypes.names();
}

export function findTaskType(name: string): TaskTypeDefinition | undefined {
  return taskTypes.find(name);
}

/** Looks a type up or throws a 400 that lists the known types. */
export function requireTaskType(name: string): TaskTypeDefinition {
  return taskTypes.require(name);
}
