import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, expect, vi } from 'vitest';
import type { TaskView } from '../../functions/core/task';
import type { WebhookMessage } from '../../functions/core/webhook-message';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { apiClient, untilQueueEmpty } from './local-api';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver on loopback whose answers a test scripts: a queue of status codes, then 200. */
export function receiver() {
  const received: Received[] = [];
  let script: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = script.shift() ?? 200;
      if (status === 429) res.setHeader('retry-after', '1');
      res.writeHead(status).end();
    });
  });
  return {
    received,
    script: (codes: number[]) => (script = [...codes]),
    reset: () => {
      received.length = 0;
      script = [];
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Polls a task until its webhook record matches `expected`; when time runs out the test fails with
 * the record as last read, against what it should have become.
 */
export function untilWebhook(
  api: ReturnType<typeof apiClient>,
  taskId: string,
  expected: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<TaskView> {
  return vi.waitFor(
    async () => {
      const { body } = await api.get(taskId);
      expect(body.webhook, `webhook of task ${taskId} after ${timeoutMs} ms`).toMatchObject(expected);
      return body;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** A local stack and a receiver on loopback, set up and torn down around one describe block. */
export function webhookStack(options: LocalStackOptions = {}) {
  const env = {
    hook: receiver(),
    url: '',
    stack: undefined as unknown as LocalStack,
    api: undefined as unknown as ReturnType<typeof apiClient>,
    /**
     * Waits until the task queue and then the webhook queue hold nothing: every task message was
     * handled (so no webhook is still to be queued) and every queued delivery was sent and deleted (so
     * none is in flight or waiting to retry). What the receiver got by then is all it will get.
     */
    async settled() {
      const generic = env.stack.queues.find((q) => q.type.name === 'generic')!;
      await untilQueueEmpty(env.stack.clients.sqs, generic.queueUrl, 'the generic task queue');
      await untilQueueEmpty(env.stack.clients.sqs, env.stack.webhookQueue.queueUrl, 'the webhook queue');
    },
  };
  beforeAll(async () => {
    env.url = await env.hook.listen();
    env.stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      scheduleIntervalMs: 0,
      ...options,
    });
    env.api = apiClient(env.stack.apiUrl, env.stack.apiKey);
  });
  beforeEach(() => env.hook.reset());
  afterAll(async () => {
    await env.stack?.stop();
    await env.hook.close();
  });
  return env;
}

/** The recorders of each stack whose SQS client has the recording middleware. */
const recorders = new WeakMap<LocalStack, WebhookMessage[][]>();

/**
 * Every message the stack's functions send to the webhook queue from now on, recorded by a middleware
 * on the SQS client they share (so a test can tell a direct delivery from a queued one).
 */
export function webhookQueueSends(stack: LocalStack): WebhookMessage[] {
  let lists = recorders.get(stack);
  if (!lists) {
    const all: WebhookMessage[][] = [];
    lists = all;
    recorders.set(stack, all);
    stack.clients.sqs.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as Partial<SendMessageCommandInput>;
        if (input.QueueUrl === stack.webhookQueue.queueUrl && input.MessageBody) {
          for (const list of all) list.push(JSON.parse(input.MessageBody) as WebhookMessage);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordWebhookQueueSends' },
    );
  }
  const sent: WebhookMessage[] = [];
  lists.push(sent);
  return sent;
}
