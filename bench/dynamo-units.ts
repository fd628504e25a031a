import { createRequire } from 'node:module';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TABLE_KEY } from '../functions/adapters/table-schema';

export type Item = Record<string, AttributeValue>;

/** A global secondary index as far as write costs go: its keys and what it projects. */
export interface IndexShape {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** With INCLUDE: the attributes projected besides the keys. */
  nonKeyAttributes?: readonly string[];
}

// dynalite implements DynamoDB's item size rules (attribute names + values); reuse it rather than a copy.
const { itemSize } = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize: (item: Item) => number };

/** Write units of one item image: 1 per KB, at least 1. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html */
function writeUnits(item: Item | undefined): number {
  return Math.max(1, Math.ceil((item ? itemSize(item) : 0) / 1024));
}

const stable = (value: unknown): string =>
  value && typeof value === 'object'
    ? Array.isArray(value)
      ? `[${value.map(stable).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${k}:${stable((value as Record<string, unknown>)[k])}`)
          .join(',')}}`
    : JSON.stringify(value);

function projected(item: Item, index: IndexShape): Item {
  if (index.projection === 'ALL') return item;
  const names = [
    TABLE_KEY,
    index.partitionKey,
    index.sortKey,
    ...(index.projection === 'INCLUDE' ? (index.nonKeyAttributes ?? []) : []),
  ];
  return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]!]));
}

const inIndex = (item: Item | undefined, index: IndexShape): item is Item =>
  Boolean(item?.[index.partitionKey] && item[index.sortKey]);

/**
 * Index write units of one table write, by DynamoDB's rules: an item entering or leaving a (sparse)
 * index costs one index write, a changed index key two (delete + put), a changed projected attribute
 * one, anything else none; each sized by the index entry.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
 */
export function indexWriteUnits(before: Item | undefined, after: Item | undefined, index: IndexShape): number {
  const was = inIndex(before, index);
  const is = inIndex(after, index);
  if (!was && !is) return 0;
  if (!was) return writeUnits(projected(after!, index));
  if (!is) return writeUnits(projected(before, index));
  const oldEntry = projected(before, index);
  const newEntry = projected(after!, index);
  const keyChanged = [index.partitionKey, index.sortKey].some((k) => stable(before[k]) !== stable(after![k]));
  if (keyChanged) return writeUnits(oldEntry) + writeUnits(newEntry);
  return stable(oldEntry) === stable(newEntry) ? 0 : Math.max(writeUnits(oldEntry), writeUnits(newEntry));
}

export interface WriteCost {
  table: number;
  indexes: number;
  /** Units by index name; an index the write costs nothing is absent (as in DynamoDB's ConsumedCapacity). */
  byIndex: Record<string, number>;
}

/**
 * Write units of one item write: the larger of the item before and after on the table (a failed
 * condition still pays for the item as it was), plus every index it touches.
 */
export function itemWriteCost(
  before: Item | undefined,
  after: Item | undefined,
  succeeded: boolean,
  indexes: readonly IndexShape[],
): WriteCost {
  if (!succeeded) return { table: writeUnits(before), indexes: 0, byIndex: {} };
  const byIndex: Record<string, number> = {};
  for (const index of indexes) {
    const units = indexWriteUnits(before, after, index);
    if (units) byIndex[index.indexName] = (byIndex[index.indexName] ?? 0) + units;
  }
  const table = Math.max(writeUnits(before), writeUnits(after));
  return { table, indexes: Object.values(byIndex).reduce((s, u) => s + u, 0), byIndex };
}
