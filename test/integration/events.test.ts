import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../functions/adapters/dynamo-event-store';
import { createS3Client } from '../../functions/adapters/s3-client';
import type { FlushStep } from '../../functions/batching/flush';
import { BATCHING } from '../../functions/batching/settings';
import { issueApiKey } from '../../functions/core/api-keys';
import { newSortableId } from '../../functions/core/ids';
import { buildFlush } from '../../functions/scheduled/build-flush';
import { createLogger } from '../../functions/shared/logger';
import { EVENTS_BUCKET, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/** Batched events through the local stack: the buffer in dynalite, batches in fauxqs's S3. */
describe('batched events (local stack)', () => {
  let stack: LocalStack;
  let store: DynamoEventStore;
  let tenantSeq = 0;

  /** A fresh tenant per test, so each test sees only its own buffer and batches. */
  const newTenant = async () => {
    const tenant = `t${++tenantSeq}-${Date.now().toString(36)}`;
    return { tenant, api: apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, tenant)).secret) };
  };
  const flushWith = (options: Parameters<typeof buildFlush>[3] = {}) =>
    buildFlush(stack.config, stack.clients, createLogger('test-flush'), options);
  const buffer = (tenant: string, n: number) => {
    const events = Array.from({ length: n }, (_, i) => ({
      tenant,
      event_id: newSortableId(),
      received_at: new Date().toISOString(),
      body: { n: i },
    }));
    return store.append(events).then(() => events.map((e) => e.event_id));
  };
  /** Every line of every batch object of a tenant, by batch. */
  const writtenBatches = async (api: ReturnType<typeof apiClient>) => {
    const s3 = createS3Client(stack.config);
    const { body } = await api.request('GET', '/batches?limit=100');
    const batches = [...body.items].reverse();
    return Promise.all(
      batches.map(async (batch: any) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: EVENTS_BUCKET, Key: batch.sinks.s3.key }));
        const lines = (await object.Body!.transformToString())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        return { batch, lines };
      }),
    );
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, workers: false, scheduleIntervalMs: 0, rateLimitPerSecond: 0 });
    store = new DynamoEventStore(stack.clients.dynamo, stack.config.tableName);
  });
  afterAll(() => stack?.stop());

  it('turns 25 posted events into batches of 10, 10 and 5, each event exactly once and in arrival order', async () => {
    // Prepare
    const { api } = await newTenant();

    // Act: one request of 25 fills the buffer past BATCH_SIZE, so the API asks for a flush at once.
    const posted = await api.request(
      'POST',
      '/events',
      Array.from({ length: 25 }, (_, i) => ({ n: i })),
    );
    let stats: { body: any } | undefined;
    for (let i = 0; i < 100; i++) {
      stats = await api.request('GET', '/events/stats');
      if (stats.body.waiting === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const batches = await writtenBatches(api);

    // Assess
    expect(posted.status).toBe(202);
    expect(posted.body.event_ids).toHaveLength(25);
    expect(stats?.body).toEqual({ waiting: 0, batch_size: BATCHING.batchSize });
    expect(batches.map((b) => b.batch.size)).toEqual([10, 10, 5]);
    expect(batches.every((b) => b.batch.status === 'done' && b.batch.sinks.s3.status === 'written')).toBe(true);
    expect(batches.flatMap((b) => b.lines.map((l: any) => l.event_id))).toEqual(posted.body.event_ids);
    expect(batches.flatMap((b) => b.lines.map((l: any) => l.body.n))).toEqual([...Array(25).keys()]);
    expect(batches[0]!.batch.sinks.s3.key).toMatch(/^events\/\d{4}\/\d{2}\/\d{2}\/[0-9A-Z]{26}\.ndjson$/);
  });

  it('splits two concurrent flushes without overlap: every event in exactly one batch', async () => {
    // Prepare
    const a = await newTenant();
    const b = await newTenant();
    const ids = [...(await buffer(a.tenant, 23)), ...(await buffer(b.tenant, 17))];

    // Act
    const reports = await Promise.all([flushWith()(), flushWith()(), flushWith()({ tenant: a.tenant })]);
    const written = [...(await writtenBatches(a.api)), ...(await writtenBatches(b.api))];

    // Assess
    const flushed = written.flatMap((w) => w.lines.map((l: any) => l.event_id));
    expect(flushed.sort()).toEqual([...ids].sort());
    expect(written.every((w) => w.batch.size <= BATCHING.batchSize)).toBe(true);
    expect(reports.reduce((n, r) => n + r.events, 0)).toBe(40);
  });

  it.each<FlushStep>(['claimed', 'written'])(
    'finishes a batch whose flush crashed after it was %s, without duplicates',
    async (step) => {
      // Prepare
      const { tenant, api } = await newTenant();
      const ids = await buffer(tenant, 14);
      const crashing = flushWith({
        afterStep: (at) => {
          if (at === step) throw new Error(`simulated crash after ${step}`);
        },
      });

      // Act
      const crash = await crashing({ tenant }).catch((error: Error) => error);
      const afterCrash = await api.request('GET', '/batches');
      const report = await flushWith()({ tenant });
      const written = await writtenBatches(api);

      // Assess
      expect(crash).toBeInstanceOf(Error);
      expect(afterCrash.body.items.map((b: any) => b.status)).toEqual([step]);
      expect(report.events).toBe(14);
      expect(written.map((w) => w.batch.size)).toEqual([10, 4]);
      expect(written.flatMap((w) => w.lines.map((l: any) => l.event_id))).toEqual(ids);
      expect((await api.request('GET', '/events/stats')).body.waiting).toBe(0);
    },
  );

  it('leaves a tenant to a live flusher, and takes it over once that flusher’s lease lapses', async () => {
    // Prepare: a flusher that died holding the lease.
    const { tenant } = await newTenant();
    await buffer(tenant, 3);
    await store.acquireLock(tenant, 'dead-flusher', new Date(), BATCHING.lockLeaseSeconds);

    // Act
    const during = await flushWith()({ tenant });
    const after = await flushWith({
      clock: { now: () => new Date(Date.now() + (BATCHING.lockLeaseSeconds + 1) * 1000) },
    })({ tenant });

    // Assess
    expect(during).toMatchObject({ skipped: 1, events: 0 });
    expect(after).toMatchObject({ skipped: 0, events: 3, batches: 1 });
  });

  it('shows a batch to its own tenant only', async () => {
    // Prepare
    const owner = await newTenant();
    const other = await newTenant();
    await buffer(owner.tenant, 2);
    await flushWith()({ tenant: owner.tenant });
    const [batch] = (await owner.api.request('GET', '/batches')).body.items;

    // Act
    const own = await owner.api.request('GET', `/batches/${batch.batch_id}`);
    const foreign = await other.api.request('GET', `/batches/${batch.batch_id}`);

    // Assess
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ batch_id: batch.batch_id, size: 2, status: 'done' });
    expect(own.body).not.toHaveProperty('event_ids');
    expect(foreign.status).toBe(404);
  });

  it.each([
    ['32 nested objects', `${'{"a":'.repeat(31)}{}${'}'.repeat(31)}`, `body[27]${'.a'.repeat(31)}`],
    ['5,000 nested objects', `${'{"a":'.repeat(4999)}{}${'}'.repeat(4999)}`, `body[27]${'.a'.repeat(31)}`],
    ['an empty key', '{"": 1}', 'body[27][""]'],
    ['a __proto__ key', '{"__proto__": {"admin": true}}', 'body[27].__proto__'],
    ['9007199254740993', '{"n": 9007199254740993}', 'body[27].n'],
    ['1e21', '{"n": 1e21}', 'body[27].n'],
    ['1e308', '{"n": 1e308}', 'body[27].n'],
    ['0.1e-300', '{"n": 0.1e-300}', 'body[27].n'],
  ])('refuses 30 events whose 28th holds %s with a 400 naming it, and buffers none of them', async (_, bad, field) => {
    // Prepare
    const { api } = await newTenant();
    const body = `[${Array.from({ length: 30 }, (_, i) => (i === 27 ? bad : `{"n":${i}}`)).join(',')}]`;

    // Act
    const response = await api.request('POST', '/events', body);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({
      code: 'validation_error',
      message: expect.any(String),
      details: [{ field, rule: expect.any(String) }],
    });
    expect((await api.request('GET', '/events/stats')).body.waiting).toBe(0);
  });

  it.each([
    ['a non-object event', 'not an object', 400, 'body'],
    ['an array of more than 100 events', Array.from({ length: 101 }, () => ({})), 400, 'body'],
    ['an event over 64 KiB', { pad: 'x'.repeat(70 * 1024) }, 413, 'body'],
    ['an array holding a non-object', [{}, 3], 400, 'body[1]'],
    [
      'an event nested 32 objects deep',
      JSON.parse(`${'{"a":'.repeat(31)}{}${'}'.repeat(31)}`),
      400,
      `body${'.a'.repeat(31)}`,
    ],
  ])('refuses %s naming the field', async (_, body, status, field) => {
    // Prepare
    const { api } = await newTenant();

    // Act
    const response = await api.request('POST', '/events', JSON.stringify(body));

    // Assess
    expect(response.status).toBe(status);
    expect(response.body.error.details[0].field).toBe(field);
    expect((await api.request('GET', '/events/stats')).body.waiting).toBe(0);
  });
});
