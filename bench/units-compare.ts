import type { WriteCost } from './dynamo-units';
import { DYNAMO_READS, DYNAMO_WRITES, type CallRecord } from './instrument';

export interface Units {
  table: number;
  indexes: number;
}

/** One kind of DynamoDB write over a run: the model's units against the engine's. */
export interface UnitsRow {
  /** `<origin> <operation> <entity>`, e.g. `api PutItem TASK`; `total` for the sum. */
  write: string;
  /** Successful writes: the ones compared. */
  calls: number;
  /** Failed writes (e.g. ConditionalCheckFailedException): billed, but the engine's error reports no units. */
  failed: number;
  /** The model's units for the failed writes, kept out of `model`. */
  failedModel: Units;
  /** Successful writes the engine returned no ConsumedCapacity for. */
  unreported: number;
  model: Units;
  engine: Units;
  /** Index units by index name, model and engine; an index neither charged is absent. */
  byIndex: Record<string, { model: number; engine: number }>;
  /** engine ÷ model (1 where both are 0); null where only the model is 0. */
  ratio: { table: number | null; indexes: number | null; all: number | null };
  /** Table units and every index's units agree. */
  matches: boolean;
}

export interface UnitsComparison {
  rows: UnitsRow[];
  total: UnitsRow;
  /** DynamoDB reads as the engine reported them (the model prices reads from these). */
  reads: { calls: number; rru: number };
}

const ratio = (engine: number, model: number): number | null =>
  model === 0 ? (engine === 0 ? 1 : null) : Math.round((engine / model) * 1000) / 1000;

const emptyRow = (write: string): UnitsRow => ({
  write,
  calls: 0,
  failed: 0,
  failedModel: { table: 0, indexes: 0 },
  unreported: 0,
  model: { table: 0, indexes: 0 },
  engine: { table: 0, indexes: 0 },
  byIndex: {},
  ratio: { table: 1, indexes: 1, all: 1 },
  matches: true,
});

const index = (row: UnitsRow, name: string) => (row.byIndex[name] ??= { model: 0, engine: 0 });

function add(row: UnitsRow, r: CallRecord, model: WriteCost): void {
  if (!r.ok) {
    row.failed++;
    row.failedModel.table += model.table;
    row.failedModel.indexes += model.indexes;
    return;
  }
  row.calls++;
  row.model.table += model.table;
  row.model.indexes += model.indexes;
  for (const [name, units] of Object.entries(model.byIndex)) index(row, name).model += units;
  if (!r.reported) {
    row.unreported++;
    return;
  }
  row.engine.table += r.reported.table;
  for (const [name, units] of Object.entries(r.reported.indexes)) {
    row.engine.indexes += units;
    index(row, name).engine += units;
  }
}

function settle(row: UnitsRow): UnitsRow {
  const { model, engine } = row;
  row.ratio = {
    table: ratio(engine.table, model.table),
    indexes: ratio(engine.indexes, model.indexes),
    all: ratio(engine.table + engine.indexes, model.table + model.indexes),
  };
  row.matches = engine.table === model.table && Object.values(row.byIndex).every((i) => i.model === i.engine);
  return row;
}

/**
 * Holds the modelled write units of every DynamoDB write in `records` (under index layout `layout`)
 * against the ConsumedCapacity the engine reported for it, by kind of write and in total.
 */
export function compareUnits(records: readonly CallRecord[], layout = 'current'): UnitsComparison {
  const dynamo = records.filter((r) => r.service === 'DynamoDB');
  const byWrite = new Map<string, UnitsRow>();
  const total = emptyRow('total');
  for (const r of dynamo.filter((d) => DYNAMO_WRITES.has(d.operation))) {
    const write = [r.origin, r.operation, r.entity].filter(Boolean).join(' ');
    const row = byWrite.get(write) ?? emptyRow(write);
    byWrite.set(write, row);
    const model = r.wru[layout] ?? { table: 0, indexes: 0, byIndex: {} };
    add(row, r, model);
    add(total, r, model);
  }
  const reads = dynamo.filter((r) => DYNAMO_READS.has(r.operation));
  return {
    rows: [...byWrite.values()].sort((a, b) => a.write.localeCompare(b.write)).map(settle),
    total: settle(total),
    reads: { calls: reads.length, rru: reads.reduce((s, r) => s + r.rru, 0) },
  };
}
