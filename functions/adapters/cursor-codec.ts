import { ValidationError } from '../core/errors';
import { SORT_ATTRIBUTE, TABLE_KEY } from './table-schema';

/**
 * Where a listing may continue: one partition of a listing index, holding items whose table keys
 * all start with `tableKeyPrefix` (e.g. `TASK#acme#`, so the prefix names the tenant too).
 */
export interface ListingPartition {
  partitionKey: string;
  partitionValue: string;
  tableKeyPrefix: string;
}

/** Item ids in table keys: ULIDs or UUIDs (task and batch ids). */
const ITEM_ID = /^[0-9A-Za-z-]{1,64}$/;
/** A listing sort key is `<created_at>#<id>` (table-schema's listSortKey), created_at from Date#toISOString. */
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The opaque cursor of a listing page: the position of its last item in the listing index (its
 * table key, the index's partition key and the listing sort key), base64url-encoded JSON.
 */
export function encodeCursor(key: Record<string, unknown>, partitionKey: string): string {
  const position = {
    [TABLE_KEY]: key[TABLE_KEY],
    [SORT_ATTRIBUTE]: key[SORT_ATTRIBUTE],
    [partitionKey]: key[partitionKey],
  };
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The start key a cursor names, or a 400 naming `cursor` unless it is exactly a position this
 * listing could have returned: the three key attributes and nothing else, each a non-empty string,
 * in the expected partition, with one of the tenant's table keys and that item's own sort key.
 * Anything looser reaches DynamoDB, which answers an empty or malformed key value with an error.
 */
export function decodeCursor(
  cursor: string | undefined,
  listing: ListingPartition,
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const key = parse(cursor);
  if (!key || !isPosition(key, listing)) {
    throw new ValidationError(
      'The cursor is not valid for this query; pass next_cursor from the previous page unchanged, with the same filters.',
      [{ field: 'cursor', rule: 'a next_cursor returned by this query' }],
    );
  }
  return key;
}

function parse(cursor: string): Record<string, string> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

function isPosition(key: Record<string, string>, listing: ListingPartition): boolean {
  const expected = [TABLE_KEY, SORT_ATTRIBUTE, listing.partitionKey];
  const names = Object.keys(key);
  if (names.length !== expected.length || !expected.every((name) => names.includes(name))) return false;
  const tableKey = key[TABLE_KEY] ?? '';
  const sortKey = key[SORT_ATTRIBUTE] ?? '';
  if (key[listing.partitionKey] !== listing.partitionValue || !tableKey.startsWith(listing.tableKeyPrefix))
    return false;
  const id = tableKey.slice(listing.tableKeyPrefix.length);
  const separator = sortKey.lastIndexOf('#');
  return ITEM_ID.test(id) && sortKey.slice(separator + 1) === id && CREATED_AT.test(sortKey.slice(0, separator));
}
