import { describe, expect, it } from 'vitest';
import { indexWriteUnits, itemWriteCost, type IndexShape, type Item } from '../../bench/dynamo-units';

/** A sparse index like the sweep index: an item is in it only while it has both keys. */
const sweep: IndexShape = { indexName: 'sweep', partitionKey: 'sweep_pk', sortKey: 'sweep_at', projection: 'ALL' };
const keysOnly: IndexShape = { ...sweep, indexName: 'sweep-keys', projection: 'KEYS_ONLY' };
const include: IndexShape = {
  ...sweep,
  indexName: 'sweep-status',
  projection: 'INCLUDE',
  nonKeyAttributes: ['status'],
};

const task = (overrides: Record<string, string | undefined> = {}): Item => {
  const attributes: Record<string, string | undefined> = {
    pk: 'TASK#t#1',
    status: 'running',
    progress: '10',
    sweep_pk: 'SWEEP#3',
    sweep_at: '2025-03-04T05:06:07Z',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(attributes)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, { S: v! }]),
  );
};

describe('indexWriteUnits', () => {
  it.each([
    { case: 'an item entering the index', before: undefined, after: task(), index: sweep, expected: 1 },
    {
      case: 'an item leaving the index (key removed)',
      before: task(),
      after: task({ sweep_pk: undefined, sweep_at: undefined }),
      index: sweep,
      expected: 1,
    },
    {
      case: 'a changed index key (delete + put)',
      before: task(),
      after: task({ sweep_at: '2025-03-04T06:00:00Z' }),
      index: sweep,
      expected: 2,
    },
    {
      case: 'a changed projected attribute',
      before: task(),
      after: task({ progress: '20' }),
      index: sweep,
      expected: 1,
    },
    {
      case: 'a changed attribute a KEYS_ONLY index does not hold',
      before: task(),
      after: task({ progress: '20' }),
      index: keysOnly,
      expected: 0,
    },
    {
      case: 'a changed attribute an INCLUDE index does not hold',
      before: task(),
      after: task({ progress: '20' }),
      index: include,
      expected: 0,
    },
    {
      case: 'a changed attribute an INCLUDE index holds',
      before: task(),
      after: task({ status: 'completed' }),
      index: include,
      expected: 1,
    },
    {
      case: 'an item in the index neither before nor after',
      before: task({ sweep_pk: undefined }),
      after: task({ sweep_pk: undefined, progress: '20' }),
      index: sweep,
      expected: 0,
    },
    { case: 'an unchanged item', before: task(), after: task(), index: sweep, expected: 0 },
  ])('charges $expected for $case', ({ before, after, index, expected }) => {
    // Act
    const units = indexWriteUnits(before, after, index);

    // Assess
    expect(units).toBe(expected);
  });

  it('charges one unit per started KB of the index entry', () => {
    // Prepare: an entry of about 2.5 KB.
    const after = task({ progress_message: 'x'.repeat(2_500) });

    // Act
    const units = indexWriteUnits(undefined, after, sweep);

    // Assess
    expect(units).toBe(3);
  });
});

describe('itemWriteCost', () => {
  it('charges the table for the larger of the two images, and every index the write touches', () => {
    // Prepare
    const before = task({ result: 'r'.repeat(1_500) });
    const after = task({ result: undefined, progress: '20' });

    // Act
    const cost = itemWriteCost(before, after, true, [sweep, keysOnly]);

    // Assess
    expect(cost).toEqual({ table: 2, indexes: 2, byIndex: { sweep: 2 } });
  });

  it('leaves out of byIndex an index the write costs nothing, as ConsumedCapacity does', () => {
    // Act
    const cost = itemWriteCost(task(), task({ progress: '20' }), true, [sweep, keysOnly, include]);

    // Assess
    expect(cost).toEqual({ table: 1, indexes: 1, byIndex: { sweep: 1 } });
  });

  it('charges a failed conditional write for the item as it was, and no index', () => {
    // Act
    const cost = itemWriteCost(task(), undefined, false, [sweep]);

    // Assess
    expect(cost).toEqual({ table: 1, indexes: 0, byIndex: {} });
  });
});
