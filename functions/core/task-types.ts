import { ValidationError } from './errors';
import type { TaskTypeDefinition } from './task-type';

/**
 * The task types the core works with, handed in by the composition roots (built from
 * functions/task-types/registry.ts): the core never imports the types themselves.
 */
export interface TaskTypes {
  /** Every type, in registry order. */
  list(): readonly TaskTypeDefinition[];
  names(): string[];
  find(name: string): TaskTypeDefinition | undefined;
  /** Looks a type up or throws a 400 that lists the known types. */
  require(name: string): TaskTypeDefinition;
}

/** A TaskTypes lookup over a list of definitions. */
export function taskTypeLookup(types: readonly TaskTypeDefinition[]): TaskTypes {
  const byName = new Map(types.map((t) => [t.name, t]));
  const names = () => types.map((t) => t.name);
  return {
    list: () => types,
    names,
    find: (name) => byName.get(name),
    require(name) {
      const type = byName.get(name);
      if (!type) {
        throw new ValidationError(`Unknown task type "${name}". Known types: ${names().join(', ')}.`, [
          { field: 'type', rule: `one of: ${names().join(', ')}` },
        ]);
      }
      return type;
    },
  };
}
