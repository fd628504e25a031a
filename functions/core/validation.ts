import type { z } from 'zod';

/** One entry of a ValidationError's details: the field at fault and the rule it broke. */
export interface FieldDetail {
  field: string;
  rule: string;
}

/** Turns zod issues into `{field, rule}` details that name the field and the rule. */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix: string): FieldDetail[] {
  const field = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || prefix;
  return issues.flatMap((issue) =>
    // zod reports unknown keys on the parent object; name each key as the field instead.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: field([...issue.path, key]), rule: 'unknown field; remove it' }))
      : [{ field: field(issue.path), rule: issue.message }],
  );
}
