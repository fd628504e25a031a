import { ValidationError } from '../core/errors';
import type { TaskTypeDefinition } from './definition';
import { email } from './email';
import { exportTasks } from './export';
import { generic } from './generic';
import { defineImportType } from './import';

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
];

const byName = new Map(TASK_TYPES.map((t) => [t.name, t]));

export function taskTypeNames(): string[] {
  return TASK_TYPES.map((t) => t.name);
}

export function findTaskType(name: string): TaskTypeDefinition | undefined {
  return byName.get(name);
}

/** Looks a type up or throws a 400 that lists the known types. */
export function requireTaskType(name: string): TaskTypeDefinition {
  const type = byName.get(name);
  if (!type) {
    throw new ValidationError(`Unknown task type "${name}". Known types: ${taskTypeNames().join(', ')}.`, [
      { field: 'type', rule: `one of: ${taskTypeNames().join(', ')}` },
    ]);
  }
  return type;
}
