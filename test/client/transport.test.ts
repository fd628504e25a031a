import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  type TasklaneOptions,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ServerError,
  Tasklane,
  TasklaneApiError,
  TasklaneConnectionError,
  TasklaneTimeoutError,
  UnauthorizedError,
  ValidationError,
} from '../../client/src';
import { apiError, json, networkError, scriptedFetch, type Step } from './fake-fetch';

const TASK = { task_id: '01M8FW54X830X4HT5D1AH85R16', type: 'generic', status: 'pending' };
/** Retries a few milliseconds apart, so that tests of the retry rules do not wait for real backoff. */
const FAST = { baseDelayMs: 1, maxDelayMs: 5 };

function client(script: Step[], options: Pick<TasklaneOptions, 'retries' | 'timeoutMs'> = {}) {
  const fake = scriptedFetch(script);
  const tasklane = new Tasklane({
    baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    apiKey: 'tl_test',
    fetch: fake.fetch,
    retries: options.retries ?? FAST,
    timeoutMs: options.timeoutMs,
  });
  return { tasklane, seen: fake.seen };
}

describe('Transport (through the Tasklane client)', () => {
  it('sends the key, keeps the stage path of the base URL and encodes ids', async () => {
    // Prepare
    const { tasklane, seen } = client([json(200, TASK)]);

    // Act
    await tasklane.tasks.get('a/b?c');

    // Assess
    expect(seen[0]?.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/tasks/a%2Fb%3Fc');
    expect(seen[0]?.headers.authorization).toBe('Bearer tl_test');
  });

  it.each([
    { status: 500, answer: () => apiError(500, 'internal_error', 'Something went wrong on our side.') },
    { status: 502, answer: () => new Response('<html>Bad Gateway</html>', { status: 502 }) },
    { status: 503, answer: () => apiError(503, 'service_unavailable', 'The queue refused the message.') },
    { status: 'a broken connection', answer: () => networkError() },
  ])('retries a read after $status', async ({ answer }) => {
    // Prepare
    const { tasklane, seen } = client([answer(), json(200, TASK)]);

    // Act
    const task = await tasklane.tasks.get(TASK.task_id);

    // Assess
    expect(task.task_id).toBe(TASK.task_id);
    expect(seen).toHaveLength(2);
  });

  it('gives up after maxRetries retries with the last error', async () => {
    // Prepare
    const { tasklane, seen } = client(
      Array.from({ length: 5 }, () => networkError('ECONNREFUSED')),
      { retries: { ...FAST, maxRetries: 2 } },
    );

    // Act
    const failure = tasklane.tasks.get(TASK.task_id);

    // Assess
    await expect(failure).rejects.toThrow(TasklaneConnectionError);
    await expect(failure).rejects.toThrow(/ECONNREFUSED/);
    expect(seen).toHaveLength(3);
  });

  it('does not repeat a write without an Idempotency-Key after an unknown outcome', async () => {
    // Prepare: POST /events takes no key, so a retry could store the events twice.
    const { tasklane, seen } = client([apiError(500, 'internal_error', 'Something went wrong.'), json(202, {})]);

    // Act
    const failure = tasklane.events.send({ user: 'u1' });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(ServerError);
    expect(seen).toHaveLength(1);
  });

  it('retries a create with the same Idempotency-Key it generated', async () => {
    // Prepare
    const { tasklane, seen } = client([networkError(), apiError(500, 'internal_error', 'Oops.'), json(202, TASK)]);

    // Act
    await tasklane.tasks.create({ type: 'generic', payload: { steps: 1 } });

    // Assess
    const keys = seen.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(1);
  });

  it('gives every create its own key unless the caller names one', async () => {
    // Prepare
    const { tasklane, seen } = client([json(202, TASK), json(202, TASK), json(202, TASK)]);

    // Act
    await tasklane.tasks.create({ type: 'generic' });
    await tasklane.tasks.create({ type: 'generic' });
    await tasklane.tasks.create({ type: 'generic' }, { idempotencyKey: 'order-42' });

    // Assess
    const [first, second, named] = seen.map((request) => request.headers['idempotency-key']);
    expect(first).not.toBe(second);
    expect(named).toBe('order-42');
  });

  it('waits out a 429 for its Retry-After, even for a write without a key', async () => {
    // Prepare
    const { tasklane, seen } = client([
      apiError(
        429,
        'rate_limited',
        'Too many tasks created; retry after 1 s.',
        { retry_after_seconds: 1 },
        { 'retry-after': '1' },
      ),
      json(202, { event_id: '01M8FW54X830X4HT5D1AH85R17' }),
    ]);

    // Act
    const ids = await tasklane.events.send({ user: 'u1' });

    // Assess
    expect(ids).toEqual(['01M8FW54X830X4HT5D1AH85R17']);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('throws a 429 at once when its Retry-After is longer than maxRetryAfterMs', async () => {
    // Prepare
    const { tasklane, seen } = client([
      apiError(429, 'rate_limited', 'Too many.', undefined, { 'retry-after': '120' }),
    ]);

    // Act
    const failure = tasklane.tasks.create({ type: 'generic' });

    // Assess
    await expect(failure).rejects.toMatchObject({ name: 'RateLimitedError', status: 429, retryAfterSeconds: 120 });
    expect(seen).toHaveLength(1);
  });

  it('ends a try that gets no answer within timeoutMs, and retries it', async () => {
    // Prepare: the first try hangs until its signal aborts, as a stuck connection would.
    const hang: Step = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const { tasklane, seen } = client([hang, json(200, TASK)], { timeoutMs: 50 });

    // Act
    const task = await tasklane.tasks.get(TASK.task_id);

    // Assess
    expect(task.task_id).toBe(TASK.task_id);
    expect(seen).toHaveLength(2);
  });

  it('reports a timeout as TasklaneTimeoutError once retries are used up', async () => {
    // Prepare
    const hang: Step = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const { tasklane } = client([hang], { timeoutMs: 50, retries: 0 });

    // Act
    const failure = tasklane.tasks.get(TASK.task_id);

    // Assess
    await expect(failure).rejects.toThrow(TasklaneTimeoutError);
    await expect(failure).rejects.toThrow(/within 50 ms/);
  });

  it("rejects with the caller's abort reason and does not retry", async () => {
    // Prepare
    const controller = new AbortController();
    const reason = new Error('the user left');
    const hang: Step = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const { tasklane, seen } = client([hang, json(200, TASK)]);

    // Act
    const failure = tasklane.tasks.get(TASK.task_id, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);

    // Assess
    await expect(failure).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });
});

describe('errors by class', () => {
  it.each([
    { status: 400, code: 'validation_error', ErrorClass: ValidationError },
    { status: 401, code: 'unauthorized', ErrorClass: UnauthorizedError },
    { status: 404, code: 'not_found', ErrorClass: NotFoundError },
    { status: 409, code: 'task_finished', ErrorClass: ConflictError },
    { status: 413, code: 'payload_too_large', ErrorClass: PayloadTooLargeError },
    { status: 429, code: 'rate_limited', ErrorClass: RateLimitedError },
    { status: 500, code: 'internal_error', ErrorClass: ServerError },
  ])(
    'turns $status $code into $ErrorClass.name with the API’s code, message and details',
    async ({ status, code, ErrorClass }) => {
      // Prepare
      const details = [{ field: 'payload.steps', rule: 'Too big: expected number to be <=1000' }];
      const { tasklane } = client([apiError(status, code, 'What went wrong.', details)], { retries: 0 });

      // Act
      const error = await tasklane.tasks.get(TASK.task_id).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(TasklaneApiError);
      expect(error).toMatchObject({ name: ErrorClass.name, status, code, message: 'What went wrong.', details });
    },
  );

  it.each([
    { status: 401, message: 'Unauthorized' },
    { status: 403, message: 'Forbidden' },
  ])(
    'turns the HTTP API authorizer’s own $status {"message":"$message"} into UnauthorizedError',
    async ({ status, message }) => {
      // Prepare
      const { tasklane } = client([json(status, { message })], { retries: 0 });

      // Act
      const error = await tasklane.tasks.get(TASK.task_id).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error).toMatchObject({
        status,
        code: 'unauthorized',
        message: expect.stringContaining(`API Gateway: ${status} ${message}`),
      });
    },
  );

  it('keeps a 403 that is not API Gateway’s own answer a plain API error', async () => {
    // Prepare
    const { tasklane } = client([new Response('<html>Forbidden</html>', { status: 403 })], { retries: 0 });

    // Act
    const error = await tasklane.tasks.get(TASK.task_id).catch((e: unknown) => e);

    // Assess
    expect(error).not.toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ status: 403, code: 'unexpected_response' });
  });

  it('names the status of an answer that is not the API’s JSON error', async () => {
    // Prepare
    const { tasklane } = client(
      [new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })],
      {
        retries: 0,
      },
    );

    // Act
    const error = await tasklane.tasks.get(TASK.task_id).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({
      status: 502,
      code: 'unexpected_response',
      message: expect.stringMatching(/502 Bad Gateway/),
    });
  });

  it.each([
    { answer: 'an error', response: () => apiError(404, 'not_found', 'No task with id "x".') },
    { answer: 'a 2xx body that is not JSON', response: () => new Response('<html>Login</html>', { status: 200 }) },
  ])('names the URL of the request that got $answer', async ({ response }) => {
    // Prepare
    const { tasklane } = client([response()], { retries: 0 });

    // Act
    const error = await tasklane.tasks
      .list({ limit: 5 })
      .page()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TasklaneApiError);
    expect(error).toMatchObject({ url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/tasks?limit=5' });
  });
});
