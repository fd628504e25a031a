import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../bench/instrument';
import { compareUnits } from '../../bench/units-compare';

/** A progress write of the generic worker as the bench's call log records it: 1 table unit, 1 on the sweep index. */
const write = (overrides: Partial<CallRecord> = {}): CallRecord => ({
  origin: 'tasklane-worker-generic',
  service: 'DynamoDB',
  operation: 'UpdateItem',
  ok: true,
  requests: 1,
  empty: false,
  rru: 0,
  wru: { current: { table: 1, indexes: 1, byIndex: { sweep: 1 } } },
  entity: 'TASK',
  reported: { total: 2, table: 1, indexes: { sweep: 1 } },
  ...overrides,
});

describe('compareUnits', () => {
  it('groups writes by origin, operation and key prefix, and sums them in a total', () => {
    // Prepare
    const records = [
      write(),
      write(),
      write({ origin: 'api', operation: 'PutItem' }),
      write({ origin: 'api', entity: 'RATE' }),
    ];

    // Act
    const { rows, total } = compareUnits(records);

    // Assess
    expect(rows.map((r) => [r.write, r.calls])).toEqual([
      ['api PutItem TASK', 1],
      ['api UpdateItem RATE', 1],
      ['tasklane-worker-generic UpdateItem TASK', 2],
    ]);
    expect(total).toMatchObject({
      calls: 4,
      model: { table: 4, indexes: 4 },
      engine: { table: 4, indexes: 4 },
      ratio: { table: 1, indexes: 1, all: 1 },
      matches: true,
    });
  });

  it('flags a write whose units differ, with the ratio engine ÷ model', () => {
    // Prepare: the engine charges the index twice what the model says.
    const records = [write({ reported: { total: 3, table: 1, indexes: { sweep: 2 } } })];

    // Act
    const { total } = compareUnits(records);

    // Assess
    expect(total).toMatchObject({
      matches: false,
      ratio: { table: 1, indexes: 2, all: 1.5 },
      byIndex: { sweep: { model: 1, engine: 2 } },
    });
  });

  it('flags units charged to another index even when the index totals agree', () => {
    // Prepare
    const records = [write({ reported: { total: 2, table: 1, indexes: { 'by-tenant-status': 1 } } })];

    // Act
    const { total } = compareUnits(records);

    // Assess
    expect(total.engine.indexes).toBe(total.model.indexes);
    expect(total.matches).toBe(false);
  });

  it('counts failed writes apart: the engine reports no units for them', () => {
    // Prepare: a conditional write that failed (the model charges the item as it was).
    const failed = write({
      ok: false,
      error: 'ConditionalCheckFailedException',
      wru: { current: { table: 2, indexes: 0, byIndex: {} } },
      reported: undefined,
    });

    // Act
    const { total } = compareUnits([write(), failed]);

    // Assess
    expect(total).toMatchObject({
      calls: 1,
      failed: 1,
      failedModel: { table: 2, indexes: 0 },
      model: { table: 1, indexes: 1 },
      matches: true,
    });
  });

  it('counts successful writes the engine reported nothing for, and shows them as a mismatch', () => {
    // Act
    const { total } = compareUnits([write({ reported: undefined })]);

    // Assess
    expect(total).toMatchObject({
      unreported: 1,
      engine: { table: 0, indexes: 0 },
      matches: false,
      ratio: { table: 0, indexes: 0 },
    });
  });

  it('gives no ratio where only the model is 0', () => {
    // Act
    const { total } = compareUnits([write({ wru: { current: { table: 1, indexes: 0, byIndex: {} } } })]);

    // Assess
    expect(total.ratio.indexes).toBeNull();
  });

  it('sums the read units the engine reported, leaving other services out', () => {
    // Prepare
    const read = write({
      operation: 'GetItem',
      entity: undefined,
      rru: 0.5,
      wru: { current: { table: 0, indexes: 0, byIndex: {} } },
    });
    const send = write({ service: 'SQS', operation: 'SendMessage', reported: undefined });

    // Act
    const { reads, rows } = compareUnits([read, read, send]);

    // Assess
    expect(reads).toEqual({ calls: 2, rru: 1 });
    expect(rows).toEqual([]);
  });
});
