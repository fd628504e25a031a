import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { expect, vi } from 'vitest';
import type { BackoffSettings } from '../../functions/core/retry-policy';
import type { TaskDetailView, TaskView } from '../../functions/core/task';
import type { LocalStackOptions } from '../../local/stack';

/** A task as the API returns it, or the API's JSON error. */
type TaskBody = TaskView & Partial<Pick<TaskDetailView, 'status_history'>> & { error?: any };

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny client for the local API, authenticated with one tenant's key. */
export function apiClient(baseUrl: string, apiKey: string | undefined) {
  const request = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    request,
    create: (type: string, payload: unknown, headers?: Record<string, string>) =>
      request<TaskBody>('POST', '/tasks', { type, payload }, headers),
    get: (id: string) => request<TaskBody>('GET', `/tasks/${id}`),
    cancel: (id: string) => request<TaskBody>('DELETE', `/tasks/${id}`),
    list: (query = '') =>
      request<{ items: TaskView[]; next_cursor: string | null; error?: any }>('GET', `/tasks${query}`),
    /** Polls a task until `done` holds, recording every status seen on the way. */
    async waitFor(
      id: string,
      done: (task: TaskView) => boolean,
      timeoutMs = 30_000,
    ): Promise<{ task: TaskView; seen: string[] }> {
      const seen: string[] = [];
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { body } = await request<TaskView>('GET', `/tasks/${id}`);
        if (seen.at(-1) !== body.status) seen.push(body.status);
        if (done(body)) return { task: body, seen };
        await sleep(25);
      }
      throw new Error(
        `task ${id} did not reach the expected state within ${timeoutMs} ms; statuses seen: ${seen.join(' → ')}`,
      );
    },
  };
}

export const isTerminalView = (task: TaskView) => ['completed', 'failed', 'canceled', 'expired'].includes(task.status);

/**
 * The shortest real retries, for `startLocalStack({ retryBackoff })`: SQS delays count whole seconds and
 * a backoff never goes below one, so each retry waits about a second, whatever the type's own backoff.
 */
export const ONE_SECOND_RETRIES: BackoffSettings = { baseSeconds: 1, capSeconds: 1 };

/**
 * The embedded stack most integration files start: any free port, no scheduler or rate limit to
 * interfere, every progress update written, retries a second apart. Spread and override as needed.
 */
export const TEST_STACK = {
  port: 0,
  scheduleIntervalMs: 0,
  rateLimitPerSecond: 0,
  progressIntervalMs: 0,
  retryBackoff: ONE_SECOND_RETRIES,
} as const satisfies LocalStackOptions;

/**
 * Waits until a queue holds no message at all, visible, in flight or delayed: whatever it carried has
 * been handled and deleted, and nothing it holds can be delivered again. Fails naming what is left.
 */
export async function untilQueueEmpty(
  sqs: SQSClient,
  queueUrl: string,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  await vi.waitFor(
    async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      expect(Attributes, `messages left on ${what} after ${timeoutMs} ms`).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
      });
    },
    { timeout: timeoutMs, interval: 50 },
  );
}
