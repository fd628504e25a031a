import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tasklane, verifyWebhook, WebhookVerificationError, type TaskTypes } from '../../client/src';
import { issueApiKey } from '../../functions/core/api-keys';
import { startLocalStack, type LocalStack } from '../../local/stack';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that records what it gets and answers 200. */
function receiver() {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  return {
    deliveries,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** verifyWebhook against a real delivery: signed by the webhook worker, received over HTTP. */
describe('verifyWebhook (local stack)', () => {
  let stack: LocalStack;
  let tasklane: Tasklane<TaskTypes>;
  const hook = receiver();
  let delivery: Delivery;
  let taskId: string;
  let secret: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, rateLimitPerSecond: 0, pollWaitSeconds: 1 });
    tasklane = new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey: stack.apiKey });
    const url = await hook.listen();
    ({ secret } = await tasklane.webhooks.secret());
    const task = await tasklane.tasks.create({ type: 'generic', payload: { steps: 1, step_ms: 0 }, webhook_url: url });
    taskId = task.task_id;
    delivery = await vi.waitFor(
      () => {
        expect(hook.deliveries).toHaveLength(1);
        return hook.deliveries[0]!;
      },
      { timeout: 30_000, interval: 50 },
    );
  });
  afterAll(async () => {
    await hook.close();
    await stack?.stop();
  });

  it("accepts the delivery with the tenant's secret and returns its typed event", () => {
    // Act
    const event = verifyWebhook(secret, delivery.body, delivery.headers);

    // Assess
    expect(event).toMatchObject({
      type: 'task.completed',
      data: { task_id: taskId, type: 'generic', status: 'completed', attempts: 1, result: { steps: 1 } },
    });
    expect(event.data.ended_at).toEqual(expect.any(String));
  });

  it('accepts it as fetch hands it over too: Headers and bytes', () => {
    // Prepare
    const headers = new Headers();
    for (const [name, value] of Object.entries(delivery.headers))
      if (typeof value === 'string') headers.set(name, value);

    // Act
    const event = verifyWebhook(secret, new TextEncoder().encode(delivery.body), headers);

    // Assess
    expect(event.data.task_id).toBe(taskId);
  });

  it.each([
    { what: 'a changed body', change: (d: Delivery) => ({ ...d, body: d.body.replace('"completed"', '"failed"') }) },
    {
      what: 'a changed webhook-id',
      change: (d: Delivery) => ({ ...d, headers: { ...d.headers, 'webhook-id': `${d.headers['webhook-id']}x` } }),
    },
    {
      what: 'a timestamp 10 minutes old',
      change: (d: Delivery) => ({
        ...d,
        headers: { ...d.headers, 'webhook-timestamp': String(Number(d.headers['webhook-timestamp']) - 600) },
      }),
    },
    {
      what: 'no signature',
      change: (d: Delivery) => ({ ...d, headers: { ...d.headers, 'webhook-signature': undefined } }),
    },
  ])('rejects $what with WebhookVerificationError', ({ change }) => {
    // Prepare
    const tampered = change(delivery);

    // Act
    const verify = () => verifyWebhook(secret, tampered.body, tampered.headers);

    // Assess
    expect(verify).toThrow(WebhookVerificationError);
  });

  it("rejects it with another tenant's secret", async () => {
    // Prepare
    const { secret: apiKey } = await issueApiKey(stack.apiKeys, 'someone-else');
    const { secret: other } = await new Tasklane({ baseUrl: stack.apiUrl, apiKey }).webhooks.secret();

    // Act
    const verify = () => verifyWebhook(other, delivery.body, delivery.headers);

    // Assess
    expect(verify).toThrow(WebhookVerificationError);
    expect(verify).toThrow(/No matching signature/);
  });
});
