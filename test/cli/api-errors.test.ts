import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TasklaneConnectionError,
  TasklaneTimeoutError,
  UnauthorizedError,
  ValidationError,
} from '../../client/src';
import { cliErrorFrom } from '../../cli/api-errors';
import { CliError } from '../../cli/errors';
import { runCli } from '../../cli/run';
import { networkError } from '../client/fake-fetch';

const BASE = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/');
const HEADERS = new Headers();

describe('cliErrorFrom', () => {
  it.each([
    {
      error: new TasklaneTimeoutError('No answer within 30000 ms.'),
      message: `The Tasklane API at ${BASE} did not answer within 30 s.`,
    },
    {
      error: new TasklaneConnectionError('Cannot reach …', { cause: networkError('ECONNREFUSED') }),
      message: `Cannot reach the Tasklane API at ${BASE} (ECONNREFUSED). Is it running, and is --api-url right?`,
    },
    {
      error: new UnauthorizedError(401, 'unauthorized', 'Missing or unknown API key.', undefined, HEADERS),
      message:
        'The API refused the key (401): check --api-key / TASKLANE_API_KEY. A local stack makes a new key on every start unless TASKLANE_API_KEY is set.',
    },
    {
      error: new ValidationError(
        400,
        'validation_error',
        'The payload is not valid for task type "generic".',
        [{ field: 'payload.steps', rule: 'Too small: expected number to be >=1' }],
        HEADERS,
      ),
      message:
        'The payload is not valid for task type "generic".\n  payload.steps: Too small: expected number to be >=1',
    },
    {
      error: new NotFoundError(404, 'not_found', 'No task with id "x".', undefined, HEADERS),
      message: 'No task with id "x".',
    },
    {
      error: new ConflictError(409, 'task_finished', 'Task x already ended (completed).', undefined, HEADERS),
      message: 'Task x already ended (completed).',
    },
    {
      error: new RateLimitedError(429, 'rate_limited', 'Too many tasks created; slow down.', undefined, HEADERS),
      message: 'Too many tasks created; slow down.',
    },
    {
      error: new ServerError(502, 'unexpected_response', '…', undefined, HEADERS, `${BASE}tasks?limit=5`),
      message: `${BASE}tasks?limit=5 answered 502 without a Tasklane response: is --api-url the API's base URL (the stack's ApiUrl output)?`,
    },
  ])('explains $error.name as the CLI always has', ({ error, message }) => {
    // Act
    const explained = cliErrorFrom(error, BASE);

    // Assess
    expect(explained).toBeInstanceOf(CliError);
    expect((explained as CliError).message).toBe(message);
  });

  it('passes any other error through unchanged', () => {
    // Prepare
    const error = new RangeError('not from the client');

    // Act
    const passed = cliErrorFrom(error, BASE);

    // Assess
    expect(passed).toBe(error);
  });
});

/** The CLI against a server on a stage path (`/prod/`), as behind API Gateway, that is not always Tasklane. */
describe('tasklane against a base URL with a stage path', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/prod/webhooks/secret') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ secret: 'whsec_test' }));
        return;
      }
      response.writeHead(403, { 'content-type': 'text/html' });
      response.end('<html>Forbidden</html>');
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    baseUrl = `http://127.0.0.1:${port}/prod/`;
  });
  afterAll(() => server?.close());

  async function tasklane(args: string[]) {
    let out = '';
    let err = '';
    const io = {
      out: { write: (t: string) => (out += t) },
      err: { write: (t: string) => (err += t) },
      env: {},
      cwd: '.',
    };
    const code = await runCli([...args, '--api-url', baseUrl, '--api-key', 'tl_test'], io);
    return { code, out, err };
  }

  it('keeps the stage path for the webhook secret', async () => {
    // Act
    const { code, out } = await tasklane(['webhooks', 'secret']);

    // Assess
    expect(code).toBe(0);
    expect(out).toBe('Webhook signing secret: whsec_test\n');
  });

  it('names the URL that answered something other than the API, and exits 2', async () => {
    // Act
    const { code, err } = await tasklane(['list', '--limit', '5']);

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      `tasklane: ${baseUrl}tasks?limit=5 answered 403 without a Tasklane response: is --api-url the API's base URL (the stack's ApiUrl output)?\n`,
    );
  });
});
