import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView, TEST_STACK } from '../helpers/local-api';

/** POST /tasks/{id}/rerun on the embedded stack: a new task, the original untouched, finished tasks only. */
describe('rerun (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const rerun = (id: string, body?: unknown, headers?: Record<string, string>) =>
    api.request('POST', `/tasks/${id}/rerun`, body, headers);
  const finished = async (payload: unknown, webhook_url?: string) => {
    const created = await api.request('POST', '/tasks', { type: 'generic', payload, webhook_url });
    return (await api.waitFor(created.body.task_id, isTerminalView, 30_000)).task;
  };

  it.each([
    ['completed', { steps: 1, step_ms: 0 }],
    ['failed', { steps: 1, step_ms: 0, fail_attempts: 5 }],
  ])(
    'reruns a %s task as a new task of the same type and payload, leaving the original as it was',
    async (status, payload) => {
      // Prepare
      const original = await finished(payload);

      // Act
      const response = await rerun(original.task_id);
      const again = await api.get(original.task_id);

      // Assess
      expect(original.status).toBe(status);
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toBe(`/tasks/${response.body.task_id}`);
      expect(response.body).toMatchObject({
        type: 'generic',
        status: 'pending',
        rerun_of: original.task_id,
        attempts: 0,
      });
      expect(response.body.task_id).not.toBe(original.task_id);
      expect(response.body.payload).toEqual(original.payload);
      expect(again.body).toEqual(original);
    },
  );

  it('reruns a canceled task with a payload given in place of the original, and runs it', async () => {
    // Prepare
    const created = await api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1 }, delay_seconds: 600 });
    await api.cancel(created.body.task_id);

    // Act
    const response = await rerun(created.body.task_id, { payload: { steps: 2, step_ms: 0 } });
    const { task } = await api.waitFor(response.body.task_id, isTerminalView);

    // Assess
    expect(response.status).toBe(202);
    expect(task).toMatchObject({ status: 'completed', rerun_of: created.body.task_id, result: { steps: 2 } });
  });

  it('refuses to rerun a task that has not finished, naming its status', async () => {
    // Prepare
    const created = await api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1 }, delay_seconds: 600 });

    // Act
    const response = await rerun(created.body.task_id);

    // Assess
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'task_not_finished', details: { status: 'scheduled' } });
    await api.cancel(created.body.task_id);
  });

  it('makes one rerun for one Idempotency-Key', async () => {
    // Prepare
    const original = await finished({ steps: 1, step_ms: 0 });

    // Act
    const first = await rerun(original.task_id, undefined, { 'idempotency-key': `rerun-${original.task_id}` });
    const second = await rerun(original.task_id, undefined, { 'idempotency-key': `rerun-${original.task_id}` });

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.task_id).toBe(first.body.task_id);
  });

  it.each([
    ['an unknown task', () => '01M8SCD8CVFCRZ6D096VNTCE65', undefined, 404],
    ['an unknown field', (id: string) => id, { payload: {}, type: 'email' }, 400],
    ['a payload the type refuses', (id: string) => id, { payload: { steps: 0 } }, 400],
  ])('answers %s with a clear error', async (_what, idOf, body, status) => {
    // Prepare
    const original = await finished({ steps: 1, step_ms: 0 });

    // Act
    const response = await rerun(idOf(original.task_id), body);

    // Assess
    expect(response.status).toBe(status);
    expect(response.body.error.message).toEqual(expect.any(String));
  });
});
