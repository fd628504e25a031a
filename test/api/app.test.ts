import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../functions/adapters/dynamo-event-store';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { SqsTaskQueue } from '../../functions/adapters/sqs-task-queue';
import { createApp } from '../../functions/api/app';
import { EventService } from '../../functions/batching/event-service';
import { authenticate, extractApiKey, hashApiKey, type ApiKeyStore } from '../../functions/core/api-keys';
import type { Log } from '../../functions/core/ports';
import { TaskService } from '../../functions/core/task-service';
import { FIXED_NOW, QUEUE_URL } from '../helpers/factories';
import { registryDeps } from '../helpers/registry-deps';

const API_KEY = `tl_ab12cd34_${'K'.repeat(43)}`;
const MAX_BODY = 256 * 1024;

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

/** The app as the local stack wires it: real service, store and queue over mocked SDK clients. */
function setup(options: { retryAfter?: number } = {}) {
  const errors: unknown[][] = [];
  const log: Log = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (...args) => errors.push(args),
  };
  const keys: Pick<ApiKeyStore, 'findByHash'> = {
    findByHash: async (hash) =>
      hash === hashApiKey(API_KEY)
        ? { key_id: 'ab12cd34', tenant: 'acme', hash, created_at: '2025-03-01T00:00:00.000Z' }
        : undefined,
  };
  let tenantLookups = 0;
  let rateLimiterCalls = 0;
  const eventStore = new DynamoEventStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'tasklane-tasks',
  );
  const app = createApp({
    types: registryDeps.types,
    events: {
      store: eventStore,
      service: new EventService({
        store: eventStore,
        trigger: { trigger: async () => undefined },
        clock: { now: () => FIXED_NOW },
        log,
      }),
    },
    tasks: new TaskService({
      store: new DynamoTaskStore(
        DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
        'tasklane-tasks',
        30,
      ),
      queue: new SqsTaskQueue(new SQSClient({ region: 'us-east-1' }), { generic: QUEUE_URL }),
      clock: { now: () => FIXED_NOW },
      log,
      ...registryDeps,
      rateLimiter: {
        take: async () => {
          rateLimiterCalls++;
          return options.retryAfter ?? 0;
        },
      },
    }),
    resolveTenant: (c) => {
      tenantLookups++;
      return authenticate(
        keys as ApiKeyStore,
        extractApiKey((name) => c.req.header(name)),
      );
    },
    log,
  });
  return { app, errors, tenantLookups: () => tenantLookups, rateLimiterCalls: () => rateLimiterCalls };
}

const auth = { authorization: `Bearer ${API_KEY}` };
const postTask = (body: string, headers: Record<string, string> = {}) =>
  ({ method: 'POST', body, headers: { ...auth, 'content-type': 'application/json', ...headers } }) as const;

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(PutCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'c0ffee00-0000-4000-8000-000000000001' });
});

describe('createApp', () => {
  it('answers GET /health without authentication', async () => {
    // Prepare
    const { app, tenantLookups } = setup();

    // Act
    const res = await app.request('/health');

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(tenantLookups()).toBe(0);
  });

  it('accepts a valid task with 202 and a Location header', async () => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'generic', payload: { steps: 2 } })));

    // Assess
    expect(res.status).toBe(202);
    const body = (await res.json()) as { task_id: string; status: string };
    expect(body.status).toBe('pending');
    expect(res.headers.get('location')).toBe(`/tasks/${body.task_id}`);
  });

  it.each<{ case: string; headers: Record<string, string> }>([
    { case: 'no key', headers: {} },
    { case: 'an unknown key', headers: { authorization: `Bearer tl_zz99zz99_${'Z'.repeat(43)}` } },
    { case: 'Basic credentials', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    { case: 'an unknown x-api-key', headers: { 'x-api-key': 'nope' } },
  ])('answers 401 JSON for $case', async ({ headers }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', { headers });

    // Assess
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('API key') } });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('accepts the key in x-api-key too', async () => {
    // Prepare
    const { app } = setup();
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const res = await app.request('/tasks', { headers: { 'x-api-key': API_KEY } });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], next_cursor: null });
  });

  it('answers 500 internal_error without the cause or a stack when the store throws', async () => {
    // Prepare
    const { app, errors } = setup();
    ddb.on(GetCommand).rejects(new Error('connect ECONNREFUSED 10.0.3.17:8000'));

    // Act
    const res = await app.request('/tasks/01JNK8Z6S4Y5Q3W2E1R0T9P8N7', { headers: auth });

    // Assess
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(text).not.toMatch(/ECONNREFUSED|10\.0\.3\.17|stack|\bat .*\.ts/);
    expect(errors).toHaveLength(1);
  });

  it.each<{ case: string; headers: Record<string, string> }>([
    { case: 'declared by Content-Length', headers: { 'content-length': String(MAX_BODY + 1) } },
    { case: 'streamed without Content-Length', headers: {} },
  ])('answers 413 naming body for a body over 256 KiB ($case)', async ({ headers }) => {
    // Prepare
    const { app, rateLimiterCalls } = setup();
    const body = JSON.stringify({ type: 'generic', payload: { pad: 'x'.repeat(MAX_BODY) } });

    // Act
    const res = await app.request('/tasks', postTask(body, headers));

    // Assess
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: {
        code: 'payload_too_large',
        message: expect.any(String),
        details: [{ field: 'body', rule: expect.stringContaining(String(MAX_BODY)) }],
      },
    });
    expect(rateLimiterCalls()).toBe(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    { case: 'invalid JSON', body: '{"type": "generic",', rule: 'valid JSON' },
    { case: 'an empty body', body: '  ', rule: 'a JSON object' },
  ])('answers 400 naming body for $case', async ({ body, rule }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(body));

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'validation_error', message: expect.any(String), details: [{ field: 'body', rule }] },
    });
  });

  it('answers 400 listing the known types for an unknown type', async () => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'transcode' })));

    // Assess
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; details: { field: string; rule: string }[] } };
    expect(error.message).toContain('Known types: generic, email, export, import, bulk, workflow.');
    expect(error.details).toEqual([{ field: 'type', rule: 'one of: generic, email, export, import, bulk, workflow' }]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    { payload: { steps: 0 }, field: 'payload.steps' },
    { payload: { steps: 2, step_ms: -1 }, field: 'payload.step_ms' },
    { payload: { steps: 1000, step_ms: 60_000 }, field: 'payload.step_ms' },
  ])('answers 400 naming $field for payload $payload', async ({ payload, field }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'generic', payload })));

    // Assess
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; details: { field: string }[] } };
    expect(error.code).toBe('validation_error');
    expect(error.details.map((d) => d.field)).toEqual([field]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    { query: 'limit=0', field: 'limit' },
    { query: 'limit=101', field: 'limit' },
    { query: 'limit=ten', field: 'limit' },
    { query: 'status=nope', field: 'status' },
  ])('answers 400 naming $field for ?$query', async ({ query, field }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request(`/tasks?${query}`, { headers: auth });

    // Assess
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: { field: string }[] } };
    expect(error.details.map((d) => d.field)).toEqual([field]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    { case: 'an unknown query parameter', path: '/tasks?colour=red', init: { headers: auth }, field: 'colour' },
    {
      case: 'an unknown body field',
      path: '/tasks',
      init: postTask(JSON.stringify({ type: 'generic', colour: 'red' })),
      field: 'colour',
    },
  ])('answers 400 naming the key for $case', async ({ path, init, field }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request(path, init);

    // Assess
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: { field: string }[] } };
    expect(error.details.map((d) => d.field)).toEqual([field]);
  });

  /** `depth` objects nested in one another, as JSON text. */
  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
  const UPLOAD_ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';

  it.each([
    {
      case: '5,000 nested objects',
      body: `{"type":"generic","payload":${nested(5000)}}`,
      field: `payload${'.a'.repeat(31)}`,
      rule: /nested/,
    },
    {
      case: 'an unsafe integer',
      body: '{"type":"generic","payload":{"steps":9007199254740993}}',
      field: 'payload.steps',
      rule: /9007199254740991/,
    },
    {
      case: 'a number below 1e-130',
      body: '{"type":"generic","payload":{"steps":0.1e-300}}',
      field: 'payload.steps',
      rule: /1e-130/,
    },
    {
      case: 'a __proto__ key (which zod would drop silently)',
      body: `{"type":"import","payload":{"upload_id":"${UPLOAD_ID}","task_type":"generic","columns":{"__proto__":"steps"}}}`,
      field: 'payload.columns.__proto__',
      rule: /__proto__/,
    },
  ])(
    'answers POST /tasks with a payload holding $case with 400 naming $field, and writes nothing',
    async ({ body, field, rule }) => {
      // Prepare
      const { app, rateLimiterCalls } = setup();

      // Act
      const res = await app.request('/tasks', postTask(body));

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'validation_error',
          message: expect.any(String),
          details: [{ field, rule: expect.stringMatching(rule) }],
        },
      });
      expect(rateLimiterCalls()).toBe(0);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    },
  );

  it.each([
    { case: '32 nested objects', bad: nested(32), field: `body[27]${'.a'.repeat(31)}` },
    { case: '5,000 nested objects', bad: nested(5000), field: `body[27]${'.a'.repeat(31)}` },
    { case: 'an empty key', bad: '{"":1}', field: 'body[27][""]' },
    { case: 'an unsafe integer', bad: '{"n":9007199254740993}', field: 'body[27].n' },
    { case: '1e308', bad: '{"n":1e308}', field: 'body[27].n' },
  ])(
    'answers POST /events of 30 events whose 28th holds $case with 400 naming $field, and writes none',
    async ({ bad, field }) => {
      // Prepare
      const { app } = setup();
      const body = `[${Array.from({ length: 30 }, (_, i) => (i === 27 ? bad : `{"n":${i}}`)).join(',')}]`;

      // Act
      const res = await app.request('/events', postTask(body));

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'validation_error',
          message: expect.any(String),
          details: [{ field, rule: expect.any(String) }],
        },
      });
      expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(0);
    },
  );

  it.each([
    {
      case: 'an empty table key',
      key: { pk: '', list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8N7', tenant_pk: 'acme' },
    },
    {
      case: "another tenant's table key",
      key: {
        pk: 'TASK#globex#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
        tenant_pk: 'acme',
      },
    },
  ])(
    'answers GET /tasks with a forged cursor holding $case with 400 naming cursor, before querying',
    async ({ key }) => {
      // Prepare
      const { app } = setup();
      const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');

      // Act
      const res = await app.request(`/tasks?cursor=${cursor}`, { headers: auth });

      // Assess
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { details: { field: string }[] } };
      expect(error.details).toEqual([{ field: 'cursor', rule: expect.any(String) }]);
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    },
  );

  it.each([
    { case: 'a space inside', key: 'order 42' },
    // Header values lose leading and trailing spaces in transit, so the space sits in the middle.
    {
      case: 'every printable ASCII character',
      key: Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).join(' '),
    },
    { case: '255 characters', key: 'k'.repeat(255) },
  ])('accepts an Idempotency-Key with $case', async ({ key }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'generic' }), { 'idempotency-key': key }));

    // Assess
    expect(res.status).toBe(202);
  });

  it.each([
    { case: 'a tab inside', key: 'order\t42' },
    { case: 'a DEL character', key: 'order\x7f42' },
    { case: 'a non-ASCII letter', key: 'größe' },
    { case: '256 characters', key: 'k'.repeat(256) },
  ])('answers an Idempotency-Key with $case with 400 naming the header', async ({ key }) => {
    // Prepare
    const { app } = setup();

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'generic' }), { 'idempotency-key': key }));

    // Assess
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { details: { field: string; rule: string }[] } };
    expect(error.details).toEqual([
      { field: 'Idempotency-Key', rule: '1–255 printable ASCII characters (space to ~)' },
    ]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 429 with Retry-After when the rate limiter says wait 3 s, and writes nothing', async () => {
    // Prepare
    const { app } = setup({ retryAfter: 3 });

    // Act
    const res = await app.request('/tasks', postTask(JSON.stringify({ type: 'generic' })));

    // Assess
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({
      error: { code: 'rate_limited', message: expect.any(String), details: { retry_after_seconds: 3 } },
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
