import { describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app';
import type { TenantResolver } from '../../functions/api/context';
import type { Log } from '../../functions/core/ports';
import type { TaskService } from '../../functions/core/task-service';
import { taskItem } from '../helpers/factories';
import { taskTypes } from '../../functions/task-types/registry';

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const KEY = `tl_ab12cd34_${'K'.repeat(43)}`;
const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
/** Only revocation can end these streams before the test times out: their maximum is a minute. */
const SETTINGS = { pollIntervalMs: 10, heartbeatMs: 40, maxDurationMs: 60_000, retryMs: 100, authRecheckMs: 80 };

/** The app with a key that can be revoked and a task that stays running, counting how often the key is looked up. */
function setup() {
  let revoked = false;
  let lookups = 0;
  const resolveTenant: TenantResolver = async (c) => {
    lookups++;
    return !revoked && c.req.header('authorization') === `Bearer ${KEY}` ? 'acme' : undefined;
  };
  const reader = {
    get: async () => taskItem({ id: ID, status: 'running', attempts: 1, progress: 40, seq: 1_000_001 }),
  };
  const app = createApp({
    tasks: {} as TaskService,
    types: taskTypes,
    resolveTenant,
    log: silent,
    stream: { reader, settings: SETTINGS, recheckTenant: resolveTenant },
  });
  return { app, revoke: () => (revoked = true), lookups: () => lookups };
}

/** Reads a stream until `predicate` holds for the text so far, or to its end (undefined `predicate`). */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  predicate?: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { text, ended: true };
    text += decoder.decode(value);
    if (predicate?.(text)) return { text, ended: false };
  }
}

describe('GET /tasks/{id}/stream', () => {
  it('ends an open stream once its key stops authenticating, and the reconnect gets 401', async () => {
    // Prepare
    const { app, revoke } = setup();
    const response = await app.request(`/tasks/${ID}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const reader = response.body!.getReader();
    await readUntil(reader, (text) => text.includes('event: status'));

    // Act
    revoke();
    const rest = await readUntil(reader);
    const reconnect = await app.request(`/tasks/${ID}/stream`, { headers: { authorization: `Bearer ${KEY}` } });

    // Assess
    expect(response.status).toBe(200);
    expect(rest.ended).toBe(true);
    expect(reconnect.status).toBe(401);
  });

  it('keeps a stream whose key still authenticates, checking it again while it runs', async () => {
    // Prepare
    const { app, lookups } = setup();
    const response = await app.request(`/tasks/${ID}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const reader = response.body!.getReader();

    // Act: past three re-check intervals (a heartbeat every 40 ms, a check every 80 ms).
    const { ended } = await readUntil(reader, (text) => text.split(': heartbeat').length > 7);
    await reader.cancel();

    // Assess
    expect(ended).toBe(false);
    expect(lookups()).toBeGreaterThanOrEqual(3);
  });
});
