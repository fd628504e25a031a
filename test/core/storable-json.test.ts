import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../../functions/core/errors';
import { STORABLE, assertStorable, findUnstorable } from '../../functions/core/storable-json';

/** `depth` objects nested in one another, as JSON text: {"a":{"a":…{}…}}. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
/** `depth` arrays nested in one another, as JSON text: [[…[]…]]. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('findUnstorable', () => {
  it.each<{ case: string; json: string }>([
    { case: 'an empty object', json: '{}' },
    { case: 'scalars of every kind', json: '{"s":"text","t":true,"f":false,"n":null,"i":42,"x":-1.5,"e":""}' },
    { case: `${STORABLE.maxDepth} nested objects`, json: nestedObjects(STORABLE.maxDepth) },
    { case: `${STORABLE.maxDepth} nested arrays`, json: nestedArrays(STORABLE.maxDepth) },
    { case: 'the largest safe integers', json: '[9007199254740991,-9007199254740991]' },
    { case: 'the smallest magnitude DynamoDB stores', json: '[1e-130,-1e-130,0,-0]' },
    {
      case: 'keys with spaces, dots and non-ASCII letters',
      json: '{"a b":1,"a.b":2,"größe":3,"__proto":4,"Constructor":5}',
    },
  ])('accepts $case', ({ json }) => {
    expect(findUnstorable(JSON.parse(json), 'body')).toBeUndefined();
  });

  it.each<{ case: string; json: string; field: string; rule: RegExp }>([
    {
      case: `${STORABLE.maxDepth + 1} nested objects`,
      json: nestedObjects(STORABLE.maxDepth + 1),
      field: `body${'.a'.repeat(STORABLE.maxDepth)}`,
      rule: /nested at most 31/,
    },
    {
      case: `${STORABLE.maxDepth + 1} nested arrays`,
      json: nestedArrays(STORABLE.maxDepth + 1),
      field: `body${'[0]'.repeat(STORABLE.maxDepth)}`,
      rule: /nested at most 31/,
    },
    {
      case: '5,000 nested objects',
      json: nestedObjects(5000),
      field: `body${'.a'.repeat(STORABLE.maxDepth)}`,
      rule: /nested at most 31/,
    },
    { case: 'an empty key', json: '{"ok":1,"":1}', field: 'body[""]', rule: /non-empty/ },
    { case: 'a __proto__ key', json: '{"__proto__":{"admin":true}}', field: 'body.__proto__', rule: /__proto__/ },
    { case: 'a constructor key', json: '{"x":{"constructor":1}}', field: 'body.x.constructor', rule: /constructor/ },
    { case: 'a prototype key', json: '[{"prototype":1}]', field: 'body[0].prototype', rule: /prototype/ },
    {
      case: 'an unsafe integer (9007199254740993 parses to 2^53)',
      json: '{"id":9007199254740993}',
      field: 'body.id',
      rule: /9007199254740991/,
    },
    { case: '1e21', json: '{"n":1e21}', field: 'body.n', rule: /9007199254740991/ },
    { case: '-1e21', json: '{"n":-1e21}', field: 'body.n', rule: /9007199254740991/ },
    { case: '1e308, beyond DynamoDB’s range', json: '{"n":1e308}', field: 'body.n', rule: /9007199254740991/ },
    { case: '1e400, which parses to Infinity', json: '{"n":1e400}', field: 'body.n', rule: /finite/ },
    { case: '0.1e-300, below DynamoDB’s smallest magnitude', json: '{"n":0.1e-300}', field: 'body.n', rule: /1e-130/ },
    { case: '-1e-131', json: '{"n":[1,-1e-131]}', field: 'body.n[1]', rule: /1e-130/ },
    {
      case: 'a bad value deep in arrays and objects',
      json: '[{"a":[1,{"b c":{"d":1e-200}}]}]',
      field: 'body[0].a[1]["b c"].d',
      rule: /1e-130/,
    },
  ])('refuses $case, naming $field', ({ json, field, rule }) => {
    // Act
    const found = findUnstorable(JSON.parse(json), 'body');

    // Assess
    expect(found).toEqual({ field, rule: expect.stringMatching(rule) });
  });

  it.each<{ case: string; value: unknown }>([
    { case: 'a Date', value: { at: new Date(0) } },
    { case: 'a BigInt', value: { n: 10n } },
    { case: 'a function', value: { f: () => 1 } },
    { case: 'a Map', value: { m: new Map([['a', 1]]) } },
    {
      case: 'a class instance',
      value: {
        c: new (class Point {
          x = 1;
        })(),
      },
    },
  ])('refuses $case among results task code returns, which must be JSON', ({ value }) => {
    expect(findUnstorable(value, 'result')).toEqual({
      field: expect.stringMatching(/^result\.\w+$/),
      rule: expect.stringContaining('JSON value'),
    });
  });

  it('leaves out undefined members, as the marshaller does', () => {
    expect(findUnstorable({ a: undefined, b: [1, undefined] }, 'result')).toBeUndefined();
  });

  it('measures the stored size by DynamoDB’s rules and refuses one byte over the limit', () => {
    // Prepare: a map is 3 bytes + per member 1 byte + its name + its value; "xyz" is 3 bytes,
    // 12345 is 1 byte per two significant digits + 1, true is 1.
    const value = { s: 'xyz', n: 12345, list: [true] };
    const size = 3 + (1 + 1 + 3) + (1 + 1 + 4) + (1 + 4 + (3 + 1 + 1));

    // Act
    const fits = findUnstorable(value, 'payload', size);
    const over = findUnstorable(value, 'payload', size - 1);

    // Assess
    expect(fits).toBeUndefined();
    expect(over).toEqual({ field: 'payload', rule: `at most ${size - 1} bytes as stored`, tooLarge: true });
  });

  it('counts what JSON text hides: a list of zeros is larger stored than sent', () => {
    // Prepare: 2 bytes a member as JSON ("0,"), 3 stored (1 overhead + 2 for the number).
    const zeros = new Array(1000).fill(0);

    // Act & Assess
    expect(findUnstorable(zeros, 'payload', JSON.stringify(zeros).length)).toMatchObject({ tooLarge: true });
  });
});

describe('assertStorable', () => {
  it('throws a ValidationError whose details name the field and the rule', () => {
    // Act
    const error = (() => {
      try {
        assertStorable(JSON.parse('{"": 1}'), 'body[3]');
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      { field: 'body[3][""]', rule: expect.stringContaining('non-empty') },
    ]);
  });

  it('throws a PayloadTooLargeError (413) for a value over its size limit', () => {
    expect(() => assertStorable({ pad: 'x'.repeat(100) }, 'payload', 50)).toThrow(PayloadTooLargeError);
  });
});
