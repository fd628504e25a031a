import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/adapters/aws-clients';
import { DynamoScheduleStore } from '../../functions/adapters/dynamo-schedule-store';
import { TABLE_KEY, scheduleIdsKey } from '../../functions/adapters/table-schema';
import { shardOf } from '../../functions/core/ids';
import { SCHEDULING, type Schedule } from '../../functions/core/schedule';
import { createTable } from '../../local/provision';
import { startTestDynamo, uniqueTableName, type TestDynamo } from '../helpers/dynamo-endpoint';

const TABLE = uniqueTableName('tasklane-schedules-test');
const NOW = new Date('2026-03-04T10:15:30.000Z');

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: ulid(NOW.getTime()),
    tenant: 'acme',
    type: 'generic',
    payload: { steps: 1 },
    cron: '0 * * * *',
    timezone: 'UTC',
    enabled: true,
    next_run_at: '2026-03-04T11:00:00.000Z',
    last_runs: [],
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
    version: 1,
    ...overrides,
  };
}

/** The schedule store's writes and queries as DynamoDB evaluates them (dynalite, or DynamoDB Local in the fidelity tier). */
describe('DynamoScheduleStore (emulator)', () => {
  let dynamo: TestDynamo;
  let clients: AwsClients;
  let store: DynamoScheduleStore;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    clients = createAwsClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint } });
    await createTable(clients.dynamo, TABLE);
    store = new DynamoScheduleStore(clients.dynamo, TABLE, { now: () => NOW });
  });
  afterAll(() => dynamo?.stop());

  const idsOf = async (tenant: string) => {
    const { Item } = await clients.dynamo.send(
      new GetCommand({ TableName: TABLE, Key: { [TABLE_KEY]: scheduleIdsKey(tenant) }, ConsistentRead: true }),
    );
    return [...((Item?.schedule_ids as Set<string> | undefined) ?? [])].sort();
  };

  it('round-trips a schedule, and replaces it only at the version it read', async () => {
    // Prepare
    const created = schedule({ tenant: 'roundtrip', webhook_url: 'https://example.com/hook' });
    await store.create(created, 10);

    // Act
    const moved = await store.replace({ ...created, next_run_at: '2026-03-04T12:00:00.000Z', version: 2 }, 1);
    const stale = await store.replace({ ...created, enabled: false, version: 2 }, 1);
    const read = await store.get('roundtrip', created.id);

    // Assess
    expect(moved).toBe(true);
    expect(stale).toBe(false);
    expect(read).toEqual({ ...created, next_run_at: '2026-03-04T12:00:00.000Z', version: 2 });
  });

  it('lets concurrent creates past the cap only up to the cap', async () => {
    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => store.create(schedule({ tenant: 'racing' }), 3)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(3);
    expect((await store.list('racing', 100)).items).toHaveLength(3);
    expect(await idsOf('racing')).toHaveLength(3);
  });

  it('frees the place of a deleted schedule, and lists only the tenant’s own schedules', async () => {
    // Prepare
    const first = schedule({ tenant: 'freeing' });
    await store.create(first, 1);
    await store.create(schedule({ tenant: 'freeing-other' }), 1);

    // Act
    const refused = await store.create(schedule({ tenant: 'freeing' }), 1);
    const removed = await store.remove('freeing', first.id);
    const again = await store.remove('freeing', first.id);
    const accepted = await store.create(schedule({ tenant: 'freeing' }), 1);

    // Assess
    expect(refused).toBe(false);
    expect(removed?.id).toBe(first.id);
    expect(again).toBeUndefined();
    expect(accepted).toBe(true);
    expect((await store.list('freeing', 100)).items.map((s) => s.tenant)).toEqual(['freeing']);
  });

  it('frees a place a crash left taken (an id without a schedule) once it is old, not while a create may be under way', async () => {
    // Prepare: the tenant's only place is held by ids no schedule has, one old and one just taken.
    const old = ulid(NOW.getTime() - 120_000);
    const fresh = ulid(NOW.getTime() - 1_000);
    const hold = (id: string) =>
      clients.dynamo.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { [TABLE_KEY]: scheduleIdsKey('crashed') },
          UpdateExpression: 'ADD schedule_ids :id',
          ExpressionAttributeValues: { ':id': new Set([id]) },
        }),
      );
    await hold(fresh);
    const refusedWhileFresh = await store.create(schedule({ tenant: 'crashed' }), 1);
    await hold(old);

    // Act: cap 2, both taken: the old orphan is freed, the fresh one stays.
    const accepted = await store.create(schedule({ tenant: 'crashed', id: ulid(NOW.getTime()) }), 2);

    // Assess
    expect(refusedWhileFresh).toBe(false);
    expect(accepted).toBe(true);
    expect(await idsOf('crashed')).not.toContain(old);
    expect(await idsOf('crashed')).toContain(fresh);
  });

  it('lists due schedules of a shard by next run, leaving out paused ones, page by page', async () => {
    // Prepare: schedules of one shard, due at 10:20, 10:25 and 10:30; one paused; one due later.
    const ids: string[] = [];
    while (ids.length < 5) {
      const id = ulid(NOW.getTime());
      if (shardOf(id, SCHEDULING.shards) === 0) ids.push(id);
    }
    const times = ['2026-03-04T10:25:00.000Z', '2026-03-04T10:20:00.000Z', '2026-03-04T10:30:00.000Z'];
    for (const [i, at] of times.entries())
      await store.create(schedule({ tenant: 'due', id: ids[i], next_run_at: at }), 10);
    await store.create(schedule({ tenant: 'due', id: ids[3], enabled: false, next_run_at: undefined }), 10);
    await store.create(schedule({ tenant: 'due', id: ids[4], next_run_at: '2026-03-04T13:00:00.000Z' }), 10);

    // Act
    const first = await store.listDue(0, '2026-03-04T10:30:00.000Z', 2);
    const second = await store.listDue(0, '2026-03-04T10:30:00.000Z', 2, first.at(-1));

    // Assess
    const mine = (entries: typeof first) => entries.filter((e) => e.tenant === 'due').map((e) => e.next_run_at);
    expect(mine([...first, ...second])).toEqual([
      '2026-03-04T10:20:00.000Z',
      '2026-03-04T10:25:00.000Z',
      '2026-03-04T10:30:00.000Z',
    ]);
  });

  it('refuses a cursor of another tenant’s listing', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await store.create(schedule({ tenant: 'paging' }), 10);
    const page = await store.list('paging', 2);

    // Act
    const theirs = store.list('freeing', 2, page.nextCursor);

    // Assess
    expect(page.nextCursor).toBeDefined();
    await expect(theirs).rejects.toMatchObject({ code: 'validation_error', details: [{ field: 'cursor' }] });
  });
});
