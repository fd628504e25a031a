import * as z from 'zod';

/**
 * Turning CSV rows into task payloads, for `import`.
 *
 * Each column is one payload field, named by its header or by the import's `columns` mapping
 * (header → field; a dotted field such as `filter.status` nests). A cell of a top-level field is
 * taken as text when the field accepts text, and read as JSON otherwise (numbers, booleans, lists,
 * objects); a cell of a nested field is read as JSON when it is JSON, as text when not. An empty
 * cell leaves the field out, so the type's default applies.
 */

/** A payload field: dot-separated names of letters, digits, `_` and `-`. */
export const FIELD_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/**
 * Names of Object.prototype's members (`__proto__`, `constructor`, `toString`, `hasOwnProperty`, …)
 * and `prototype`: assigning them reaches or shadows the prototype, and looking them up in a schema's
 * shape finds a function. Never a payload field.
 */
const FORBIDDEN_NAMES = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

export function isFieldPath(path: string): boolean {
  return FIELD_PATH.test(path) && !path.split('.').some((name) => FORBIDDEN_NAMES.has(name));
}

/** Where each CSV column goes: the field path per column index, or undefined for a column left out. */
export type ColumnPlan = readonly (string | undefined)[];

/**
 * Plans the columns from the header row. Throws an Error whose message says what is wrong with
 * the header (the import fails with it: no row could be read right).
 */
export function planColumns(
  header: readonly string[],
  mapping: Readonly<Record<string, string>> | undefined,
): ColumnPlan {
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (name && seen.has(name)) throw new Error(`The CSV header names column "${name}" twice.`);
    seen.add(name);
  }
  if (mapping) {
    const missing = Object.keys(mapping).filter((column) => !seen.has(column));
    if (missing.length > 0) {
      throw new Error(
        `columns maps ${missing.map((m) => `"${m}"`).join(', ')}, but the CSV header has only: ${names.map((n) => `"${n}"`).join(', ')}.`,
      );
    }
    // Own keys only: a header named like an Object.prototype member (`constructor`) maps to nothing.
    return names.map((name) => (Object.hasOwn(mapping, name) ? mapping[name] : undefined));
  }
  const bad = names.filter((name) => !isFieldPath(name));
  if (bad.length > 0) {
    throw new Error(
      `CSV header ${bad.map((b) => `"${b}"`).join(', ')} is not a payload field name (letters, digits, _ and -, dots to nest); ` +
        'rename the column or map it with "columns".',
    );
  }
  return names;
}

/** The payload one row describes, ready for the target type's schema. */
export function rowPayload(cells: readonly string[], plan: ColumnPlan, schema: z.ZodType): Record<string, unknown> {
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
  const payload: Record<string, unknown> = {};
  plan.forEach((path, i) => {
    const cell = cells[i];
    if (path === undefined || cell === undefined || cell === '') return;
    const names = path.split('.');
    const field = names.length === 1 && Object.hasOwn(shape, path) ? shape[path] : undefined;
    let target = payload;
    for (const name of names.slice(0, -1)) {
      const next = target[name];
      const child = (next && typeof next === 'object' ? next : {}) as Record<string, unknown>;
      target[name] = child;
      target = child;
    }
    target[names.at(-1)!] = cellValue(cell, field);
  });
  return payload;
}

/** Text if the field takes text (or the cell is no JSON), the parsed JSON otherwise. */
function cellValue(cell: string, field: z.ZodType | undefined): unknown {
  if (field?.safeParse(cell).success) return cell;
  try {
    return JSON.parse(cell);
  } catch {
    return cell;
  }
}
