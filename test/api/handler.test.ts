import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV, queueUrlEnvName } from '../../functions/config';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { apiGatewayEventV2, lambdaContext, QUEUE_URL, taskItem } from '../helpers/factories';

// esbuild loads the page as text when it bundles the entry; here a stand-in with the key placeholder does.
vi.mock('../../functions/dashboard/index.html', () => ({
  default: '<html><meta name="tasklane-api-key" content=""></html>',
}));

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const ddb = mockClient(DynamoDBDocumentClient);
let handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyResultV2>;

/** The environment the stack gives the API function, minus the optional parts. */
const ENVIRONMENT = {
  [ENV.tableName]: 'tasklane-tasks',
  ...Object.fromEntries(TASK_TYPES.map((t) => [queueUrlEnvName(t.name), QUEUE_URL])),
};

async function invoke(event: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  return (await handler(event, lambdaContext({ functionName: 'tasklane-api' }))) as APIGatewayProxyStructuredResultV2;
}

/** The API Lambda entry (functions/api/handler.ts) with HTTP API events (payload format 2.0), SDK mocked. */
describe('API Lambda handler', () => {
  beforeAll(async () => {
    Object.assign(process.env, ENVIRONMENT);
    // The entry builds its app at import, as in Lambda's init phase.
    ({ handler } = (await import('../../functions/api/handler')) as unknown as { handler: typeof handler });
  });
  afterAll(() => {
    for (const name of Object.keys(ENVIRONMENT)) delete process.env[name];
  });
  beforeEach(() => {
    ddb.reset();
  });

  it("answers GET /tasks/{id} with the task of the authorizer's tenant (authorizer.lambda.tenant)", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { ...taskItem({ status: 'pending' }), pk: `TASK#acme#${ID}`, task_id: ID } });

    // Act
    const result = await invoke(apiGatewayEventV2({ path: `/tasks/${ID}`, tenant: 'acme' }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toMatchObject({ task_id: ID, status: 'pending' });
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input.Key).toEqual({ pk: `TASK#acme#${ID}` });
  });

  it('answers a public route (GET /health) without an authorizer context', async () => {
    // Act
    const result = await invoke(apiGatewayEventV2({ path: '/health' }));

    // Assess
    expect(result.statusCode).toBe(200);
  });

  it('answers 401 JSON when a secured route arrives without an authorizer tenant', async () => {
    // Act
    const result = await invoke(apiGatewayEventV2({ path: `/tasks/${ID}` }));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body!)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});
