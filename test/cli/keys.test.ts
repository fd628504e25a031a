import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, listKeys, revokeKey } from '../../cli/keys';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/**
 * The operator's key commands against a table named with --table, as against a deployed stack;
 * the SDK is pointed at the local emulator through its standard AWS_ENDPOINT_URL_DYNAMODB variable.
 */
describe('tasklane keys (cli/keys.ts)', () => {
  let stack: LocalStack;
  const saved = { ...process.env };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, workers: false, rateLimitPerSecond: 0 });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    delete process.env.TASKLANE_TABLE;
  });
  afterAll(async () => {
    process.env = saved;
    await stack?.stop();
  });

  it('creates a working key, lists it by prefix only, and revokes it', async () => {
    // Prepare
    const target = { local: false, table: stack.config.tableName, region: 'us-east-1' };

    // Act
    const created = JSON.parse(await createKey(target, 'acme', 'ci', true));
    const works = await apiClient(stack.apiUrl, created.key).list();
    const listed = JSON.parse(await listKeys(target, 'acme', true));
    const revoked = JSON.parse(await revokeKey(target, created.key_id, true));
    const refused = await apiClient(stack.apiUrl, created.key).list();

    // Assess
    expect(created.key).toMatch(/^tl_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(works.status).toBe(200);
    expect(listed).toEqual([expect.objectContaining({ key_id: created.key_id, tenant: 'acme' })]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed[0]).not.toHaveProperty('hash');
    expect(revoked.revoked_at).toEqual(expect.any(String));
    expect(refused.status).toBe(401);
  });

  it.each([
    [
      'a missing tenant',
      () => createKey({ local: false, table: 't', region: 'us-east-1' }, undefined, undefined, false),
      /--tenant/,
    ],
    [
      'a bad tenant name',
      () => createKey({ local: false, table: stack.config.tableName, region: 'us-east-1' }, 'Not OK', undefined, false),
      /tenant must match/,
    ],
    [
      'an unknown key id',
      () => revokeKey({ local: false, table: stack.config.tableName, region: 'us-east-1' }, 'zzzzzzzz', false),
      /No key with id "zzzzzzzz"/,
    ],
    ['no table', () => listKeys({ local: false }, undefined, false), /--table/],
  ])('explains %s', async (_, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });
});
