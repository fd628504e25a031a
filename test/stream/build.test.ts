import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../functions/core/api-keys';
import { buildStreamFromEnv } from '../../functions/stream/build';
import { apiGatewayEvent, taskItem } from '../helpers/factories';

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const KEY = `tl_ab12cd34_${'K'.repeat(43)}`;
const ENV = { TASKLANE_TABLE: 'tasklane-tasks', AWS_REGION: 'us-east-1' };
/** Only revocation can end the stream before the test times out. */
const SETTINGS = { pollIntervalMs: 10, heartbeatMs: 40, maxDurationMs: 60_000, authRecheckMs: 80 };

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddb.reset();
});

/** The streaming Lambda's wiring: the authorizer admits the stream, the function itself re-checks the key against the table. */
describe('buildStreamFromEnv', () => {
  it('ends a stream once its key is revoked in the table, though the authorizer admitted it', async () => {
    // Prepare
    let revokedAt: string | undefined;
    const running = {
      ...taskItem({ status: 'running', attempts: 1, progress: 40 }),
      pk: `TASK#acme#${ID}`,
      seq: 1_000_001,
      status_seq: 1_000_000,
    };
    ddb.on(GetCommand, { Key: { pk: `TASK#acme#${ID}` } }).resolves({ Item: running });
    ddb.on(GetCommand, { Key: { pk: `KEY#${hashApiKey(KEY)}` } }).callsFake(() => ({
      Item: {
        pk: `KEY#${hashApiKey(KEY)}`,
        key_id: 'ab12cd34',
        tenant: 'acme',
        hash: hashApiKey(KEY),
        created_at: '2025-03-01T00:00:00.000Z',
        revoked_at: revokedAt,
      },
    }));
    const app = buildStreamFromEnv(ENV, SETTINGS);
    const event = apiGatewayEvent({
      path: `/tasks/${ID}/stream`,
      tenant: 'acme',
      headers: { Authorization: `Bearer ${KEY}` },
    });
    const response = await app.request(
      `/tasks/${ID}/stream`,
      { headers: { authorization: `Bearer ${KEY}` } },
      { event },
    );
    const reader = response.body!.getReader();
    await reader.read();

    // Act
    revokedAt = '2025-03-04T05:06:07.000Z';
    let ended = false;
    while (!ended) ended = (await reader.read()).done;

    // Assess
    expect(response.status).toBe(200);
    expect(ended).toBe(true);
    const keyReads = ddb
      .commandCalls(GetCommand)
      .filter((call) => call.args[0].input.Key?.pk === `KEY#${hashApiKey(KEY)}`);
    expect(keyReads.length).toBeGreaterThanOrEqual(1);
    expect(keyReads[0]!.args[0].input.TableName).toBe('tasklane-tasks');
  });
});

describe('the stream across origins (the deployed dashboard)', () => {
  const DASHBOARD = 'https://abc123.execute-api.us-east-1.amazonaws.com';

  it("answers the dashboard's origin with Access-Control-Allow-Origin, also when the key is refused", async () => {
    // Prepare: no key item, so the stream's own key check refuses it.
    ddb.on(GetCommand).resolves({});
    const app = buildStreamFromEnv({ ...ENV, TASKLANE_DASHBOARD_ORIGIN: DASHBOARD }, SETTINGS);

    // Act
    const response = await app.request(
      `/tasks/${ID}/stream`,
      { headers: { authorization: `Bearer ${KEY}`, origin: DASHBOARD } },
      { event: apiGatewayEvent({ path: `/tasks/${ID}/stream`, headers: { Authorization: `Bearer ${KEY}` } }) },
    );

    // Assess: the browser may read the 401 and show it, instead of a bare network error.
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
  });

  it('names no origin unless one is configured, so other pages cannot read streams', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    const app = buildStreamFromEnv(ENV, SETTINGS);

    // Act
    const response = await app.request(
      `/tasks/${ID}/stream`,
      { headers: { authorization: `Bearer ${KEY}`, origin: 'https://evil.example' } },
      { event: apiGatewayEvent({ path: `/tasks/${ID}/stream`, headers: { Authorization: `Bearer ${KEY}` } }) },
    );

    // Assess
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
