import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { getDefaultAutoSelectFamily, setDefaultAutoSelectFamily, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postWebhook } from '../../functions/webhooks/http-delivery';
import { resolveCheckedTarget, type TargetPolicy } from '../../functions/webhooks/target-guard';

/** The local stack's policy: loopback receivers allowed, by explicit setting. */
const local: TargetPolicy = { allowedSchemes: ['http', 'https'], allowLoopback: true };
const body = JSON.stringify({ type: 'task.completed', data: { task_id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7' } });

/** A real receiver listening on 127.0.0.1 only, recording what reaches it. */
function receiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: text });
      res.writeHead(204).end();
    });
  });
  return {
    received,
    port: () => (server.address() as AddressInfo).port,
    listen: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('postWebhook', () => {
  const hook = receiver();
  beforeAll(() => hook.listen());
  beforeEach(() => (hook.received.length = 0));
  afterAll(() => hook.close());

  it('delivers to a receiver on 127.0.0.1 named by host name (http://localhost:<port>), resolved by the system resolver', async () => {
    // Prepare
    const target = await resolveCheckedTarget(`http://localhost:${hook.port()}/hook`, local);

    // Act
    const response = await postWebhook(target, { 'webhook-id': 'msg_1' }, body, 5_000);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({
      body,
      headers: { host: `localhost:${hook.port()}`, 'webhook-id': 'msg_1' },
    });
  });

  it('connects to the checked address, not to a fresh lookup of the name', async () => {
    // Prepare: a name no resolver knows; only the checked answer can lead to the receiver.
    const target = await resolveCheckedTarget(`http://hooks.tasklane.test:${hook.port()}/hook`, local, async () => [
      { address: '127.0.0.1', family: 4 },
    ]);

    // Act
    const response = await postWebhook(target, {}, body, 5_000);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(hook.received[0]!.headers.host).toBe(`hooks.tasklane.test:${hook.port()}`);
  });

  it('reaches a receiver on 127.0.0.1 when the name resolves to ::1 first (localhost on most machines)', async () => {
    // Prepare
    const resolver = async () => [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    const target = await resolveCheckedTarget(`http://localhost:${hook.port()}/hook`, local, resolver);

    // Act
    const response = await postWebhook(target, {}, body, 5_000);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(hook.received).toHaveLength(1);
  });

  it('delivers when Node asks for a single address (autoSelectFamily turned off)', async () => {
    // Prepare
    const before = getDefaultAutoSelectFamily();
    setDefaultAutoSelectFamily(false);
    const target = await resolveCheckedTarget(`http://localhost:${hook.port()}/hook`, local, async () => [
      { address: '127.0.0.1', family: 4 },
    ]);

    // Act
    const response = await postWebhook(target, {}, body, 5_000).finally(() => setDefaultAutoSelectFamily(before));

    // Assess
    expect(response.statusCode).toBe(204);
  });
});
