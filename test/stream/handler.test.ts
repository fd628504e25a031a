import { Writable } from 'node:stream';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiGatewayEvent, lambdaContext, taskItem } from '../helpers/factories';

interface ResponseMetadata {
  statusCode: number;
  headers: Record<string, string>;
}

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const ddb = mockClient(DynamoDBDocumentClient);
const metadata: ResponseMetadata[] = [];
let handler: (event: unknown, stream: Writable, context: unknown) => Promise<void>;

/** What the Lambda Node.js runtime provides for response streaming (awslambda.streamifyResponse and HttpResponseStream). */
const runtimeGlobals = {
  streamifyResponse: (fn: typeof handler) => fn,
  HttpResponseStream: {
    from: (stream: Writable, meta: ResponseMetadata) => {
      metadata.push(meta);
      return stream;
    },
  },
};

/** Invokes the handler the way API Gateway's response-streaming integration does, collecting the body. */
async function invoke(event: unknown): Promise<{ meta: ResponseMetadata; body: string }> {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  stream.on('error', () => undefined);
  await handler(event, stream, lambdaContext({ functionName: 'tasklane-stream' }));
  return { meta: metadata.at(-1)!, body: Buffer.concat(chunks).toString('utf8') };
}

/** The streaming Lambda entry (functions/stream/handler.ts) end to end, with the SDK mocked. */
describe('stream Lambda handler', () => {
  beforeAll(async () => {
    Object.assign(globalThis, { awslambda: runtimeGlobals });
    process.env.TASKLANE_TABLE = 'tasklane-tasks';
    // The entry builds its app at import, as in Lambda's init phase.
    ({ handler } = (await import('../../functions/stream/handler')) as unknown as { handler: typeof handler });
  });
  afterAll(() => {
    delete (globalThis as { awslambda?: unknown }).awslambda;
    delete process.env.TASKLANE_TABLE;
  });
  beforeEach(() => {
    ddb.reset();
    metadata.length = 0;
  });

  it("streams a finished task's final status event and ends, for the authorizer's tenant", async () => {
    // Prepare
    const stored = {
      ...taskItem({ status: 'completed', attempts: 1, progress: 100 }),
      pk: `TASK#acme#${ID}`,
      seq: 2_000_000,
      status_seq: 2_000_000,
    };
    ddb.on(GetCommand).resolves({ Item: stored });

    // Act
    const { meta, body } = await invoke(apiGatewayEvent({ path: `/tasks/${ID}/stream`, tenant: 'acme' }));

    // Assess
    expect(meta.statusCode).toBe(200);
    expect(meta.headers['content-type']).toBe('text/event-stream');
    expect(meta.headers).not.toHaveProperty('transfer-encoding');
    expect(meta.headers).not.toHaveProperty('connection');
    expect(body).toBe(
      `retry: 1000\n\nevent: status\ndata: {"task_id":"${ID}","status":"completed","progress":100,"attempt":1}\nid: 2000000\n\n`,
    );
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
      TableName: 'tasklane-tasks',
      Key: { pk: `TASK#acme#${ID}` },
      ConsistentRead: true,
    });
  });

  it('answers 404 JSON for a task the tenant does not have', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act
    const { meta, body } = await invoke(apiGatewayEvent({ path: `/tasks/${ID}/stream`, tenant: 'acme' }));

    // Assess
    expect(meta.statusCode).toBe(404);
    expect(JSON.parse(body)).toEqual({ error: { code: 'not_found', message: `No task with id "${ID}".` } });
  });

  it('answers 401 when the request carries no authorizer tenant', async () => {
    // Act
    const { meta } = await invoke(apiGatewayEvent({ path: `/tasks/${ID}/stream` }));

    // Assess
    expect(meta.statusCode).toBe(401);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});
