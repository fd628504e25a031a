import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsTaskQueue } from '../../functions/adapters/sqs-task-queue';
import { createTaskServices } from '../../functions/adapters/task-services';
import { issueApiKey } from '../../functions/core/api-keys';
import { newSortableId } from '../../functions/core/ids';
import { noMetrics } from '../../functions/core/metrics';
import { systemClock, type TaskCatalog, type TaskLifecycle } from '../../functions/core/ports';
import type { TaskView } from '../../functions/core/task';
import { TaskService } from '../../functions/core/task-service';
import type { TaskActions } from '../../functions/core/task-services';
import { createLogger } from '../../functions/shared/logger';
import { createTaskStore } from '../../functions/shared/task-store';
import { requireTaskType } from '../../functions/task-types/registry';
import { buildWorker } from '../../functions/workers/build';
import { createSqsWorker } from '../../functions/workers/sqs-worker';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { taskItem } from '../helpers/factories';
import { ONE_SECOND_RETRIES, apiClient } from '../helpers/local-api';
import { registryDeps } from '../helpers/registry-deps';

type Api = ReturnType<typeof apiClient>;
type Worker = ReturnType<typeof buildWorker>;

/**
 * POST /tasks/bulk on the embedded stack. No pollers: the test receives the bulk task's message and
 * hands it to the bulk worker itself, so it can make one attempt die half way; the tasks acted on
 * are never run, so they stay as the test left them.
 */
describe('bulk actions (local stack, bulk worker driven by hand)', () => {
  let stack: LocalStack;
  let store: TaskCatalog & TaskLifecycle;
  let bulkWorker: Worker;
  let tenantSeq = 0;
  const logger = createLogger('test-bulk-worker');

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      workers: false,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
    });
    store = createTaskStore(stack.config, stack.clients, logger);
    // The worker the stack would run (functions/workers/build.ts), retrying a second after a failure.
    bulkWorker = buildWorker(stack.config, 'bulk', stack.clients, logger, {
      progressIntervalMs: 0,
      backoff: ONE_SECOND_RETRIES,
    });
  });
  afterAll(() => stack?.stop());

  const newTenant = async () => {
    const tenant = `bulk${++tenantSeq}`;
    return { tenant, api: apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, tenant)).secret) };
  };
  const bulkQueue = () => stack.queues.find((q) => q.type.name === 'bulk')!;

  /** Receives the bulk task's message as the event source mapping would, waiting out a retry's delay. */
  async function receive(taskId: string): Promise<Message> {
    for (let tries = 0; tries < 10; tries++) {
      const received = await stack.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: bulkQueue().queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const message = received.Messages?.find((m) => JSON.parse(m.Body!).task_id === taskId);
      if (message) return message;
    }
    throw new Error(`no message for bulk task ${taskId}`);
  }

  /** One invocation of `worker` on the message, then the delete the event source mapping makes after success. */
  async function invoke(worker: Worker, message: Message) {
    const response = await worker(
      { Records: [toSqsRecord(message, bulkQueue().queueArn, 'us-east-1')] },
      localLambdaContext('tasklane-worker-bulk', 900),
    );
    if (response.batchItemFailures.length === 0)
      await stack.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: bulkQueue().queueUrl, ReceiptHandle: message.ReceiptHandle! }),
      );
    return response;
  }

  /** Creates a bulk task through the API and runs its first attempt on the bulk worker. */
  async function runBulk(api: Api, body: unknown): Promise<TaskView> {
    const created = await api.request('POST', '/tasks/bulk', body);
    expect(created.status).toBe(202);
    await invoke(bulkWorker, await receive(created.body.task_id));
    return (await api.get(created.body.task_id)).body;
  }

  /** Every task of the tenant, through the API's pages. */
  async function allTasks(api: Api, query = ''): Promise<TaskView[]> {
    const tasks: TaskView[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.list(`?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      tasks.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return tasks;
  }

  /** `count` failed generic tasks written straight into the store, a millisecond apart, ending a minute ago. */
  async function seedFailed(tenant: string, count: number): Promise<string[]> {
    const start = Date.now() - 60_000 - count;
    const tasks = Array.from({ length: count }, (_, i) => {
      const at = new Date(start + i).toISOString();
      return taskItem({
        id: newSortableId(),
        tenant,
        status: 'failed',
        payload: { steps: 1, step_ms: 0, fail_attempts: 0 },
        attempts: 5,
        error: { name: 'RetryableTaskError', message: 'Simulated transient failure.' },
        created_at: at,
        updated_at: at,
        ended_at: at,
      });
    });
    for (let i = 0; i < tasks.length; i += 20) {
      const written = await Promise.all(tasks.slice(i, i + 20).map((task) => store.create(task)));
      expect(written.every((w) => w.ok)).toBe(true);
    }
    return tasks.map((t) => t.id);
  }

  it('cancels 300 scheduled tasks in one bulk action, answering like POST /tasks', async () => {
    // Prepare
    const { api } = await newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 300; i += 20) {
      const created = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1 }, delay_seconds: 600 }),
        ),
      );
      ids.push(...created.map((c) => c.body.task_id as string));
    }
    const other = await newTenant();
    const othersTask = await other.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1 },
      delay_seconds: 600,
    });

    // Act
    const created = await api.request('POST', '/tasks/bulk', {
      action: 'cancel',
      filter: { status: 'scheduled', type: 'generic' },
    });
    await invoke(bulkWorker, await receive(created.body.task_id));
    const bulk = (await api.get(created.body.task_id)).body;
    const after = await allTasks(api, '&type=generic');

    // Assess
    expect(created.headers.get('location')).toBe(`/tasks/${created.body.task_id}`);
    expect(created.body).toMatchObject({
      type: 'bulk',
      status: 'pending',
      payload: { action: 'cancel', filter: { status: 'scheduled', type: 'generic' } },
    });
    expect(bulk).toMatchObject({
      status: 'completed',
      progress: 100,
      result: { matched: 300, applied: 300, skipped: 0 },
    });
    expect(after.map((t) => t.task_id).sort()).toEqual([...ids].sort());
    expect(after.every((t) => t.status === 'canceled')).toBe(true);
    expect((await other.api.get(othersTask.body.task_id)).body.status).toBe('scheduled');
  }, 60_000);

  it('reruns each failed task once, though its first attempt died half way and the retry started over', async () => {
    // Prepare
    const { tenant, api } = await newTenant();
    const failed = await seedFailed(tenant, 120);
    const created = await api.request('POST', '/tasks/bulk', { action: 'rerun', filter: { status: 'failed' } });
    const tasks = new TaskService({
      store,
      queue: new SqsTaskQueue(stack.clients.sqs, stack.config.queueUrls),
      clock: systemClock,
      log: logger,
      ...registryDeps,
    });
    let reruns = 0;
    // The first attempt's worker dies after 50 reruns, as a timeout or a throttled table would end it.
    const dying: TaskActions = {
      get: (t, id) => tasks.get(t, id),
      cancel: (t, id) => tasks.cancel(t, id),
      rerun: async (input) => {
        if (++reruns > 50) throw new Error('worker died');
        return tasks.rerun(input);
      },
    };
    const bulkType = requireTaskType('bulk');
    const firstWorker = createSqsWorker({
      type: { ...bulkType, settings: { ...bulkType.settings, backoff: ONE_SECOND_RETRIES } },
      store,
      services: createTaskServices(stack.config, store, stack.clients, undefined, dying),
      sqs: stack.clients.sqs,
      queueUrl: bulkQueue().queueUrl,
      clock: systemClock,
      logger,
      metrics: noMetrics,
      progressIntervalMs: 0,
    });
    const first = await invoke(firstWorker, await receive(created.body.task_id));
    const between = (await api.get(created.body.task_id)).body;

    // Act
    await invoke(bulkWorker, await receive(created.body.task_id));
    const bulk = (await api.get(created.body.task_id)).body;
    const all = await allTasks(api);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(between).toMatchObject({ status: 'retrying', error: { message: 'worker died' } });
    expect(bulk).toMatchObject({
      status: 'completed',
      attempts: 2,
      result: { matched: 120, applied: 120, skipped: 0 },
    });
    const rerunOf = all.filter((t) => t.rerun_of).map((t) => t.rerun_of);
    expect(rerunOf.sort()).toEqual([...failed].sort());
    expect(all.filter((t) => t.rerun_of).every((t) => t.status === 'pending')).toBe(true);
  }, 60_000);

  it('completes with zeros when nothing matches', async () => {
    // Prepare
    const { tenant, api } = await newTenant();
    await seedFailed(tenant, 3);

    // Act
    const bulk = await runBulk(api, { action: 'cancel', filter: { type: 'email' } });

    // Assess
    expect(bulk).toMatchObject({ status: 'completed', result: { matched: 0, applied: 0, skipped: 0 } });
  });

  it('reruns exactly the ids given, counting the ones that do not exist', async () => {
    // Prepare
    const { tenant, api } = await newTenant();
    const failed = await seedFailed(tenant, 4);
    const ids = [failed[0]!, failed[2]!, '01M8SCD8CVFCRZ6D096VNTCE65'];

    // Act
    const bulk = await runBulk(api, { action: 'rerun', filter: { ids } });
    const reruns = (await allTasks(api)).filter((t) => t.rerun_of);

    // Assess
    expect(bulk.result).toEqual({ matched: 2, applied: 2, skipped: 0, not_found: 1 });
    expect(reruns.map((t) => t.rerun_of).sort()).toEqual([failed[0], failed[2]].sort());
  });

  it('makes one bulk task for one Idempotency-Key', async () => {
    // Prepare
    const { api } = await newTenant();
    const body = { action: 'cancel', filter: { status: 'pending' } };

    // Act
    const first = await api.request('POST', '/tasks/bulk', body, { 'idempotency-key': 'nightly-cleanup' });
    const second = await api.request('POST', '/tasks/bulk', body, { 'idempotency-key': 'nightly-cleanup' });

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.task_id).toBe(first.body.task_id);
  });

  it.each([
    ['an empty filter', { action: 'cancel', filter: {} }, 'filter'],
    ['no filter', { action: 'cancel' }, 'filter'],
    ['an unknown action', { action: 'purge', filter: { status: 'pending' } }, 'action'],
    [
      'a time that is not RFC 3339',
      { action: 'cancel', filter: { created_after: 'yesterday' } },
      'filter.created_after',
    ],
    ['no ids', { action: 'rerun', filter: { ids: [] } }, 'filter.ids'],
  ])('answers %s with 400 naming the field, creating nothing', async (_what, body, field) => {
    // Prepare
    const { api } = await newTenant();

    // Act
    const response = await api.request('POST', '/tasks/bulk', body);
    const listed = await api.list('?type=bulk');

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'validation_error',
      details: [expect.objectContaining({ field })],
    });
    expect(listed.body.items).toEqual([]);
  });
});
