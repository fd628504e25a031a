import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { CreateTaskInput, Tasklane, TaskTypes } from '../../client/src';
import { taskTypeNames } from '../../functions/task-types/registry';
import type { generic } from '../../functions/task-types/generic';

/** The names of TaskTypes, written out: the compiler holds this list to the interface, the test to the registry. */
const TYPED: Record<keyof TaskTypes, true> = {
  generic: true,
  email: true,
  export: true,
  import: true,
  bulk: true,
  workflow: true,
};

describe('TaskTypes', () => {
  it('has one entry per type of the registry', () => {
    expect(Object.keys(TYPED).sort()).toEqual(taskTypeNames().sort());
  });

  it("types each payload as the input of the type's schema", () => {
    expectTypeOf<TaskTypes['generic']>().toEqualTypeOf<z.input<typeof generic.payloadSchema>>();
    expectTypeOf<TaskTypes['email']['to']>().toEqualTypeOf<string | string[]>();
    expectTypeOf<TaskTypes['bulk']['action']>().toEqualTypeOf<'cancel' | 'rerun'>();
  });

  it('checks type names and payloads of tasks.create at compile time', () => {
    type Create = Tasklane<TaskTypes>['tasks']['create'];
    expectTypeOf<Parameters<Create>[0]>().toEqualTypeOf<CreateTaskInput<TaskTypes>>();

    // Fields with defaults may be left out, and so may a payload that needs none.
    const fine: CreateTaskInput<TaskTypes>[] = [
      { type: 'generic', payload: { steps: 2 }, delay_seconds: 30, concurrency_key: 'customer-7' },
      { type: 'generic' },
      { type: 'email', payload: { to: 'ada@example.com', subject: 'Hi', text: 'Hello' } },
      { type: 'bulk', payload: { action: 'cancel', filter: { status: 'scheduled' } } },
    ];
    // @ts-expect-error: steps is a number
    const wrongField: CreateTaskInput<TaskTypes> = { type: 'generic', payload: { steps: 'two' } };
    // @ts-expect-error: an email needs to and subject
    const missingPayload: CreateTaskInput<TaskTypes> = { type: 'email' };
    // @ts-expect-error: no such type
    const unknownType: CreateTaskInput<TaskTypes> = { type: 'resize-image', payload: {} };
    // @ts-expect-error: the email payload's fields, not generic's
    const otherTypesPayload: CreateTaskInput<TaskTypes> = { type: 'email', payload: { steps: 2 } };
    expect([fine, wrongField, missingPayload, unknownType, otherTypesPayload]).toHaveLength(5);
  });

  it('takes any type name and payload without a type map', () => {
    expectTypeOf<{ type: 'resize-image'; payload: { width: 200 } }>().toExtend<CreateTaskInput>();
  });
});
