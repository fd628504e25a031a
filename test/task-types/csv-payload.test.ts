import { describe, expect, it } from 'vitest';
import { planColumns, rowPayload } from '../../functions/task-types/csv-payload';
import { emailPayload } from '../../functions/task-types/email';
import { generic } from '../../functions/task-types/generic';

describe('planColumns', () => {
  it('uses the header cells as field names, trimmed', () => {
    // Act
    const plan = planColumns([' steps', 'step_ms '], undefined);

    // Assess
    expect(plan).toEqual(['steps', 'step_ms']);
  });

  it('maps columns by the mapping and leaves unmapped ones out', () => {
    // Act
    const plan = planColumns(['email', 'title', 'notes'], { email: 'to', title: 'subject' });

    // Assess
    expect(plan).toEqual(['to', 'subject', undefined]);
  });

  it.each<[string, string[], Record<string, string> | undefined, string]>([
    [
      'a header that is no field name',
      ['steps', 'step ms'],
      undefined,
      'CSV header "step ms" is not a payload field name',
    ],
    [
      'a field that would reach the prototype',
      ['__proto__'],
      undefined,
      'CSV header "__proto__" is not a payload field name',
    ],
    ...['toString', 'valueOf', 'hasOwnProperty', 'constructor', 'isPrototypeOf'].map(
      (name): [string, string[], undefined, string] => [
        `a header named like Object.prototype.${name}`,
        ['steps', name],
        undefined,
        `CSV header "${name}" is not a payload field name`,
      ],
    ),
    [
      'a nested field named like a prototype member',
      ['filter.toString'],
      undefined,
      'CSV header "filter.toString" is not a payload field name',
    ],
    ['a column named twice', ['to', 'to'], undefined, 'The CSV header names column "to" twice.'],
    [
      'a mapping of a column the file lacks',
      ['email'],
      { email: 'to', title: 'subject' },
      'columns maps "title", but the CSV header has only: "email".',
    ],
  ])('refuses %s', (_case, header, mapping, message) => {
    // Act
    const plan = () => planColumns(header, mapping);

    // Assess
    expect(plan).toThrow(message);
  });
});

describe('rowPayload', () => {
  it("looks fields up among the schema's own fields only, never Object.prototype members", () => {
    // Act
    const payload = rowPayload(['{"a":1}'], ['toString'], generic.payloadSchema);

    // Assess
    expect(Object.hasOwn(payload, 'toString')).toBe(true);
    expect(payload.toString).toEqual({ a: 1 });
  });

  it('reads cells as JSON for fields that do not take text, and leaves empty cells out so defaults apply', () => {
    // Act
    const payload = rowPayload(['4', '', '0'], ['steps', 'step_ms', 'fail_attempts'], generic.payloadSchema);

    // Assess
    expect(payload).toEqual({ steps: 4, fail_attempts: 0 });
    expect(generic.payloadSchema.parse(payload)).toEqual({ steps: 4, step_ms: 1000, fail_attempts: 0 });
  });

  it('keeps text for text fields even when it looks like JSON, and reads a JSON list for a list field', () => {
    // Act
    const payload = rowPayload(
      ['["a@example.com","b@example.com"]', '123', 'true'],
      ['to', 'subject', 'text'],
      emailPayload,
    );

    // Assess
    expect(payload).toEqual({ to: ['a@example.com', 'b@example.com'], subject: '123', text: 'true' });
  });

  it('nests dotted fields and keeps a cell that is no JSON as text', () => {
    // Act
    const payload = rowPayload(
      ['completed', '2026-01-01T00:00:00Z', 'csv'],
      ['filter.status', 'filter.created_after', 'format'],
      generic.payloadSchema,
    );

    // Assess
    expect(payload).toEqual({ filter: { status: 'completed', created_after: '2026-01-01T00:00:00Z' }, format: 'csv' });
  });
});
