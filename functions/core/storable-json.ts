import { PayloadTooLargeError, ValidationError } from './errors';

/**
 * What DynamoDB (and the SDK's marshaller in front of it) can store of client JSON. Checked before
 * the first write, so a request that cannot be stored is refused whole with a 400 naming the field,
 * never half-written and answered with a 500.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
 */
export const STORABLE = {
  /**
   * Objects and arrays nested in one stored value. DynamoDB allows 32 levels, the attribute holding
   * the value being the first: on DynamoDB Local 31 nested maps or lists store and 32 do not.
   */
  maxDepth: 31,
  /**
   * Largest magnitude: the SDK refuses to marshal beyond it (those numbers lost digits in JSON.parse
   * already). Anything within it is within DynamoDB's range (±9.99…E+125) and 38-digit precision
   * too: a double prints at most 17 significant digits.
   */
  maxMagnitude: Number.MAX_SAFE_INTEGER,
  /** DynamoDB's smallest non-zero magnitude; below it, it refuses the item. */
  minMagnitude: 1e-130,
  /** Keys that are prototype hooks to JavaScript rather than data (`__proto__` even reassigns one when copied). */
  reservedKeys: ['__proto__', 'constructor', 'prototype'],
} as const;

/** Why a value cannot be stored: the field (a path like `body[3].items[0].price`) and the rule it breaks. */
export interface Unstorable {
  field: string;
  rule: string;
  /** Over the size limit rather than malformed (413, not 400). */
  tooLarge?: true;
}

const NOT_JSON = 'a JSON value (string, number, boolean, null, array or plain object)';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The first part of `value` that cannot be stored, or undefined. `maxBytes` bounds its size as
 * DynamoDB counts it, which JSON text understates (a list of zeros takes 3 bytes a member stored, 2
 * sent). `undefined` members are skipped, as the marshaller drops them.
 */
export function findUnstorable(value: unknown, field: string, maxBytes?: number): Unstorable | undefined {
  const walked = walk(value, field, 0);
  if ('field' in walked) return walked;
  if (maxBytes !== undefined && walked.bytes > maxBytes)
    return { field, rule: `at most ${maxBytes} bytes as stored`, tooLarge: true };
  return undefined;
}

/** Throws a ValidationError (400), or a PayloadTooLargeError (413) for size, naming the field and rule. */
export function assertStorable(value: unknown, field: string, maxBytes?: number): void {
  const found = findUnstorable(value, field, maxBytes);
  if (!found) return;
  const details = [{ field: found.field, rule: found.rule }];
  if (found.tooLarge) throw new PayloadTooLargeError(`${found.field} is too large to store: ${found.rule}.`, details);
  throw new ValidationError(`${found.field} cannot be stored: it must be ${found.rule}.`, details);
}

/**
 * Checks one value and sums its stored size by DynamoDB's rules (strings: UTF-8 bytes; numbers: 1
 * byte per two significant digits + 1; booleans and null: 1; lists and maps: 3 + per member 1 +
 * its name + its value). Recursion stops at maxDepth, so no input nests it deeper.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
function walk(value: unknown, field: string, depth: number): Unstorable | { bytes: number } {
  switch (typeof value) {
    case 'string':
      return { bytes: Buffer.byteLength(value, 'utf8') };
    case 'boolean':
      return { bytes: 1 };
    case 'number':
      return checkNumber(value, field) ?? { bytes: numberBytes(value) };
    case 'undefined':
      return { bytes: 0 };
    case 'object':
      if (value === null) return { bytes: 1 };
      break;
    default:
      return { field, rule: NOT_JSON };
  }
  if (depth === STORABLE.maxDepth) return { field, rule: `nested at most ${STORABLE.maxDepth} objects or arrays deep` };
  const isArray = Array.isArray(value);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!isArray && prototype !== Object.prototype && prototype !== null) return { field, rule: NOT_JSON };
  let bytes = 3;
  const members: [string, unknown][] = Array.isArray(value)
    ? Array.from(value, (member: unknown, i) => [String(i), member])
    : Object.entries(value);
  for (const [key, member] of members) {
    if (!isArray) {
      const bad = checkKey(key, memberField(field, key));
      if (bad) return bad;
    }
    const walked = walk(member, isArray ? `${field}[${key}]` : memberField(field, key), depth + 1);
    if ('field' in walked) return walked;
    if (member !== undefined) bytes += 1 + (isArray ? 0 : Buffer.byteLength(key, 'utf8')) + walked.bytes;
  }
  return { bytes };
}

function checkKey(key: string, field: string): Unstorable | undefined {
  if (key === '') return { field, rule: 'a non-empty key' };
  if ((STORABLE.reservedKeys as readonly string[]).includes(key))
    return { field, rule: `a key other than ${STORABLE.reservedKeys.join(', ')}` };
  return undefined;
}

function checkNumber(value: number, field: string): Unstorable | undefined {
  if (!Number.isFinite(value)) return { field, rule: 'a finite number' };
  const magnitude = Math.abs(value);
  if (magnitude > STORABLE.maxMagnitude) {
    return { field, rule: `a number of at most ${STORABLE.maxMagnitude} in magnitude (send larger ones as strings)` };
  }
  if (magnitude !== 0 && magnitude < STORABLE.minMagnitude)
    return { field, rule: `0, or a number of at least ${STORABLE.minMagnitude} in magnitude` };
  return undefined;
}

/** 1 byte per two significant digits, plus 1. */
function numberBytes(value: number): number {
  const [mantissa = ''] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '').length || 1;
  return Math.ceil(digits / 2) + 1;
}

function memberField(field: string, key: string): string {
  return IDENTIFIER.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`;
}
