import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../functions/core/api-keys';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/** API keys, tenant isolation and the per-tenant rate limit, through the local stack's real auth path. */
describe('tenancy and authentication (local stack)', () => {
  let stack: LocalStack;
  let alice: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let bobKeyId: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, workers: false, rateLimitPerSecond: 0 });
    const a = await issueApiKey(stack.apiKeys, 'alice');
    const b = await issueApiKey(stack.apiKeys, 'bob');
    bobKeyId = b.record.key_id;
    alice = apiClient(stack.apiUrl, a.secret);
    bob = apiClient(stack.apiUrl, b.secret);
  });
  afterAll(() => stack?.stop());

  it.each([
    ['no key', {}],
    ['a malformed Authorization header', { authorization: 'Basic abc' }],
    ['an unknown Bearer key', { authorization: 'Bearer tl_unknown0_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }],
    ['an unknown x-api-key', { 'x-api-key': 'nope' }],
  ])('answers 401 JSON for %s', async (_, headers: Record<string, string>) => {
    // Act
    const response = await apiClient(stack.apiUrl, undefined).request('GET', '/tasks', undefined, headers);

    // Assess
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });

  it('accepts the key in x-api-key as well as Authorization', async () => {
    const response = await apiClient(stack.apiUrl, undefined).request('GET', '/tasks', undefined, {
      'x-api-key': stack.apiKey,
    });
    expect(response.status).toBe(200);
  });

  it("hides one tenant's task from another exactly like a missing one", async () => {
    // Prepare
    const created = await alice.create('generic', { steps: 1, step_ms: 0 });

    // Act
    const read = await bob.get(created.body.task_id);
    const missing = await bob.get('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    const cancel = await bob.cancel(created.body.task_id);
    const list = await bob.list('?limit=100');
    const own = await alice.get(created.body.task_id);

    // Assess
    expect(read.status).toBe(404);
    expect(cancel.status).toBe(404);
    expect(read.body.error.code).toBe(missing.body.error.code);
    expect(list.body.items.map((t) => t.task_id)).not.toContain(created.body.task_id);
    expect(own.body.status).toBe('pending');
  });

  it('rejects a list cursor taken from another tenant', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await alice.create('generic', { steps: 1, step_ms: 0 });
    const page = await alice.list('?limit=1');

    // Act
    const stolen = await bob.list(`?limit=1&cursor=${page.body.next_cursor}`);

    // Assess
    expect(page.body.next_cursor).toBeTruthy();
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.details).toEqual([{ field: 'cursor', rule: expect.any(String) }]);
  });

  it.each([
    ['empty key values', { pk: '', list_sk: '', tenant_pk: 'bob' }],
    ['a missing sort key', { pk: 'TASK#bob#01JNK8Z6S4Y5Q3W2E1R0T9P8N7', tenant_pk: 'bob' }],
    [
      'an extra attribute',
      {
        pk: 'TASK#bob#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        tenant_pk: 'bob',
        x: 'y',
      },
    ],
    [
      "another tenant's table key",
      {
        pk: 'TASK#alice#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        tenant_pk: 'bob',
      },
    ],
    ['a number for a key', { pk: 1, list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8N7', tenant_pk: 'bob' }],
    ['garbage base64', '\xff\xfe{'],
  ])('answers a forged cursor with %s with a 400 naming cursor', async (_, forged) => {
    // Prepare
    const cursor = Buffer.from(
      typeof forged === 'string' ? forged : JSON.stringify(forged),
      typeof forged === 'string' ? 'latin1' : 'utf8',
    ).toString('base64url');

    // Act
    const response = await bob.list(`?cursor=${cursor}`);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'cursor', rule: expect.any(String) }]);
  });

  it('keeps idempotency keys apart between tenants', async () => {
    // Act
    const headers = { 'idempotency-key': 'same-key' };
    const fromAlice = await alice.create('generic', { steps: 1, step_ms: 0 }, headers);
    const fromBob = await bob.create('generic', { steps: 3, step_ms: 0 }, headers);

    // Assess
    expect(fromAlice.status).toBe(202);
    expect(fromBob.status).toBe(202);
    expect(fromBob.body.task_id).not.toBe(fromAlice.body.task_id);
    expect(fromBob.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 401 once a key is revoked', async () => {
    // Prepare
    const before = await bob.list();

    // Act
    await stack.apiKeys.revoke(bobKeyId, new Date().toISOString());
    const after = await bob.list();

    // Assess
    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
  });
});

describe('per-tenant rate limit (local stack)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    // 2 creations per window of 2 s (burst 2 at 1/s).
    stack = await startLocalStack({ port: 0, workers: false, rateLimitPerSecond: 1, rateLimitBurst: 2 });
  });
  afterAll(() => stack?.stop());

  it('answers 429 with Retry-After once the burst is used, and counts tenants separately', async () => {
    // Prepare
    const api = apiClient(stack.apiUrl, stack.apiKey);
    const other = apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, 'other')).secret);

    // Act: more than the burst within one window (retry once if the window rolled over mid-way).
    let statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof api.create>> | undefined;
    for (let round = 0; round < 3 && !limited; round++) {
      statuses = [];
      for (let i = 0; i < 4; i++) {
        const response = await api.create('generic', { steps: 1, step_ms: 0 });
        statuses.push(response.status);
        if (response.status === 429) limited = response;
      }
    }
    const otherTenant = await other.create('generic', { steps: 1, step_ms: 0 });

    // Assess
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(2);
    expect(limited?.status).toBe(429);
    expect(limited?.body.error.code).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(otherTenant.status).toBe(202);
  });
});
