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
 */
export const TASK_TYPES: readonly TaskTypeDefinition[] = [
  generic,
  email,
  exportTasks,
  // The import creates tasks of the other types, so it is handed this list (read when it runs).
  defineImportType(() => TASK_TYPES),
  // Bulk actions filter by type, so the bulk type is handed this list too.
  defineBulkType(() => TASK_TYPES),
  workflow,
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
