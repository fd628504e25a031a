import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/shared/logger';
import { buildWorker } from '../../functions/workers/build';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView } from '../helpers/local-api';

interface ReceivedEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/** What the SES emulator received, as its GET /store reports it. */
async function received(sesUrl: string, messageId: string): Promise<ReceivedEmail[]> {
  const store = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: ReceivedEmail[] };
  return store.emails.filter((e) => e.messageId === messageId);
}

describe('email tasks (local stack, SES emulator)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
      pollWaitSeconds: 1,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  it('sends the e-mail: the task completes with the message id and the emulator received exactly that message', async () => {
    // Prepare
    const payload = {
      to: ['ada@example.com', 'bob@example.com'],
      subject: 'Report, "final"',
      text: 'Hello,\nit is done.',
      html: '<p>it is done</p>',
      reply_to: 'ops@example.com',
    };

    // Act
    const created = await api.create('email', payload);
    const { task, seen } = await api.waitFor(created.body.task_id, isTerminalView);
    const emails = await received(stack.endpoints.ses, (task.result as { message_id: string }).message_id);

    // Assess
    expect(created.status).toBe(202);
    expect(task).toMatchObject({ status: 'completed', progress: 100, attempts: 1 });
    expect(seen.at(-1)).toBe('completed');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: 'tasklane@localhost',
      replyTo: ['ops@example.com'],
      destination: { to: ['ada@example.com', 'bob@example.com'] },
      subject: 'Report, "final"',
      body: { text: 'Hello,\nit is done.', html: '<p>it is done</p>' },
    });
  });

  it('POST /send-email answers 202 with the task id and message, and the e-mail is sent as an email task', async () => {
    // Act
    const response = await api.request('POST', '/send-email', {
      to: 'cy@example.com',
      subject: 'Hi',
      body: 'plain text',
    });
    const { task } = await api.waitFor(response.body.task_id, isTerminalView);
    const emails = await received(stack.endpoints.ses, (task.result as { message_id: string }).message_id);

    // Assess
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ task_id: expect.any(String), message: 'Email queued for sending' });
    expect(response.headers.get('location')).toBe(`/tasks/${response.body.task_id}`);
    expect(task).toMatchObject({
      type: 'email',
      status: 'completed',
      payload: { to: ['cy@example.com'], subject: 'Hi', text: 'plain text' },
    });
    expect(emails.map((e) => e.destination.to)).toEqual([['cy@example.com']]);
  });

  it.each([
    [
      'POST /send-email',
      () => api.request('POST', '/send-email', { to: 'not-an-address', subject: 'Hi', body: 'x' }),
      'to',
    ],
    [
      'POST /tasks',
      () => api.create('email', { to: ['ok@example.com', 'bad@'], subject: 'Hi', text: 'x' }),
      'payload.to.1',
    ],
  ])('refuses an invalid recipient on %s with 400 naming the field, creating no task', async (_route, send, field) => {
    // Act
    const response = await send();

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_error');
    expect(response.body.error.details).toEqual([{ field, rule: 'must be an e-mail address' }]);
  });
});

/**
 * The SES emulator accepts every address, so SES's own refusals come from a stub that answers as
 * SES does (status, `x-amzn-errortype`, JSON body): the real SDK, worker, store and queue handle them.
 */
describe('email tasks refused by SES (messages delivered by hand)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let ses: Server;
  let answer: { status: number; type: string; message: string };

  const deliverWithStub = async () => {
    const queue = stack.queues.find((q) => q.type.name === 'email')!;
    const { port } = ses.address() as AddressInfo;
    const config = { ...stack.config, endpoints: { ...stack.config.endpoints!, ses: `http://127.0.0.1:${port}` } };
    const worker = buildWorker(config, 'email', stack.clients, createLogger('test-email-worker'), {
      progressIntervalMs: 0,
    });
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const records = (out.Messages ?? []).map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1'));
    return worker({ Records: records }, localLambdaContext('tasklane-worker-email', 30));
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      workers: false,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
    ses = createServer((req, res) => {
      req.resume();
      res.writeHead(answer.status, { 'content-type': 'application/json', 'x-amzn-errortype': answer.type });
      res.end(JSON.stringify({ message: answer.message }));
    });
    await new Promise<void>((resolve) => ses.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => ses?.close(resolve));
  });

  it('fails at once, without retries, when SES rejects the recipient (MessageRejected)', async () => {
    // Prepare
    answer = {
      status: 400,
      type: 'MessageRejected',
      message: 'Email address is not verified. The following identities failed the check: nobody@example.com',
    };
    const created = await api.create('email', { to: 'nobody@example.com', subject: 'Hi', text: 'x' });

    // Act
    const response = await deliverWithStub();
    const task = (await api.get(created.body.task_id)).body;

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'PermanentTaskError' } });
    expect(task.error!.message).toContain('MessageRejected');
  });

  it('retries with backoff when SES throttles (TooManyRequestsException)', async () => {
    // Prepare
    answer = { status: 429, type: 'TooManyRequestsException', message: 'Too many requests' };
    const created = await api.create('email', { to: 'busy@example.com', subject: 'Hi', text: 'x' });

    // Act
    const response = await deliverWithStub();
    const task = (await api.get(created.body.task_id)).body;

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(task).toMatchObject({ status: 'retrying', attempts: 1, error: { name: 'RetryableTaskError' } });
  });
});
