import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { folderWithStackState, startTasklane, tasklane } from '../helpers/cli';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../../local/stack';
import { taskItem } from '../helpers/factories';
import { ONE_SECOND_RETRIES } from '../helpers/local-api';

/** The task commands against the embedded local stack, through its state file like `--local` after `npm start`. */
describe('tasklane task commands (cli/run.ts)', () => {
  let stack: LocalStack;
  let cwd: string;
  let empty: string;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      stream: { pollIntervalMs: 100 },
      // Retries a second apart, whatever generic's own backoff: the --json watch test waits for one.
      retryBackoff: ONE_SECOND_RETRIES,
    });
    cwd = folderWithStackState(stack, 'tasklane-cli-');
    empty = mkdtempSync(join(tmpdir(), 'tasklane-cli-empty-'));
  });
  afterAll(async () => {
    await stack?.stop();
    for (const dir of [cwd, empty]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a task with a concurrency key', async () => {
    // Act
    const { code, out } = await tasklane(
      [
        'create',
        'generic',
        '--payload',
        '{"steps":1,"step_ms":0}',
        '--concurrency-key',
        'customer-7',
        '--json',
        '--local',
      ],
      cwd,
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ type: 'generic', concurrency_key: 'customer-7' });
  });

  it('creates, gets and lists a task, with --json for scripts', async () => {
    // Act
    const created = await tasklane(
      ['create', 'generic', '--payload', '{"steps":1,"step_ms":0}', '--local', '--json'],
      cwd,
    );
    const id = JSON.parse(created.out).task_id as string;
    const got = await tasklane(['get', id, '--local', '--json'], cwd);
    const listed = await tasklane(['list', '--type', 'generic', '--limit', '5', '--local', '--json'], cwd);
    const human = await tasklane(['get', id, '--local'], cwd);

    // Assess
    expect(created.code).toBe(0);
    expect(JSON.parse(got.out)).toMatchObject({
      task_id: id,
      type: 'generic',
      payload: { steps: 1, step_ms: 0, fail_attempts: 0 },
    });
    expect(JSON.parse(listed.out).items.map((t: { task_id: string }) => t.task_id)).toContain(id);
    expect(human.out).toMatch(new RegExp(`^${id}  generic  \\w+`));
    expect(human.out).toContain('attempts   ');
  });

  it.each([
    ['600', 600],
    ['10m', 600],
    ['2h', 7200],
    ['1d', 86_400],
  ])('creates with --delay %s: scheduled %i s after its creation', async (delay, seconds) => {
    // Act
    const { code, out } = await tasklane(['create', 'generic', '--delay', delay, '--local', '--json'], cwd);

    // Assess
    const task = JSON.parse(out);
    expect(code).toBe(0);
    expect(task.status).toBe('scheduled');
    expect((Date.parse(task.run_at) - Date.parse(task.created_at)) / 1000).toBe(seconds);
  });

  it('shows when a delayed task runs, for people', async () => {
    // Prepare
    const at = new Date(Date.now() + 3 * 3600_000).toISOString();

    // Act
    const { code, out } = await tasklane(['create', 'generic', '--at', at, '--local'], cwd);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/ scheduled /);
    expect(out).toContain(`  run at     ${at}`);
  });

  it.each(['--at', '--run-at'])('creates with %s: scheduled at that time', async (flag) => {
    // Prepare
    const at = new Date(Date.now() + 3 * 3600_000).toISOString();

    // Act
    const { code, out } = await tasklane(['create', 'generic', flag, at, '--local', '--json'], cwd);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: 'scheduled', run_at: at });
  });

  it('creates with --watch: a bar from the stream up to 100 %, the final task, exit 0', async () => {
    // Act
    const { code, out } = await tasklane(
      ['create', 'generic', '--payload', '{"steps":4,"step_ms":150}', '--watch', '--local'],
      cwd,
    );

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/\[█+░*\]\s+\d+% {2}running/);
    expect(out).toMatch(/\[█{30}\] 100% {2}completed {2}attempt 1\/5/);
    expect(printedResult(out)).toEqual({ steps: 4, elapsed_ms: 600 });
  });

  it('watches with --json as one JSON line per event, a retry among them', async () => {
    // Prepare
    const created = JSON.parse(
      (
        await tasklane(
          ['create', 'generic', '--payload', '{"steps":1,"step_ms":0,"fail_attempts":1}', '--local', '--json'],
          cwd,
        )
      ).out,
    );

    // Act
    const { code, out } = await tasklane(['watch', created.task_id, '--local', '--json'], cwd);

    // Assess
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(code).toBe(0);
    expect(events.map((e) => e.status)).toContain('retrying');
    expect(events.at(-1)).toMatchObject({ event: 'status', status: 'completed', attempt: 2 });
  });

  it('cancels a running task, and watch exits 3', async () => {
    // Prepare
    const created = JSON.parse(
      (await tasklane(['create', 'generic', '--payload', '{"steps":100,"step_ms":100}', '--local', '--json'], cwd)).out,
    );
    const watching = startTasklane(['watch', created.task_id, '--local'], cwd);
    // Its stream is open once watch prints an event, and the task runs once an event says so.
    await vi.waitFor(
      () => expect(watching.out(), 'watch never showed the task running').toMatch(/running\s+attempt 1\/5/),
      { timeout: 10_000 },
    );

    // Act
    const canceled = await tasklane(['cancel', created.task_id, '--local'], cwd);
    const watched = await watching.done;

    // Assess
    expect(canceled.out).toBe(
      `Cancellation requested: ${created.task_id} is running and stops at its next checkpoint.\n`,
    );
    expect(watched.code).toBe(3);
    expect(watched.out).toMatch(/canceled\s+attempt 1\/5/);
  });

  it('exits 1 for a failed task', async () => {
    // Prepare: a task that already failed its last attempt.
    const store = new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 30);
    const task = taskItem({ id: '01M8FW54X830X4HT5D1AH85F01', tenant: LOCAL_TENANT, max_attempts: 1 });
    await store.create(task);
    await store.startAttempt(LOCAL_TENANT, task.id, {
      attempt: 1,
      now: new Date().toISOString(),
      sweepAt: new Date().toISOString(),
    });
    await store.fail(
      LOCAL_TENANT,
      task.id,
      1,
      { name: 'PermanentTaskError', message: 'bad input' },
      new Date().toISOString(),
    );

    // Act
    const { code, out } = await tasklane(['watch', task.id, '--local'], cwd);

    // Assess
    expect(code).toBe(1);
    expect(out).toContain('error      PermanentTaskError: bad input');
  });

  it("redrives the type's dead-letter queue into reruns", async () => {
    // Prepare: a task that fails all its attempts, its message in the DLQ.
    const created = await tasklane(
      ['create', 'generic', '--payload', '{"steps":1,"step_ms":0,"fail_attempts":5}', '--json', '--local'],
      cwd,
    );
    const id = JSON.parse(created.out).task_id;
    const dlq = stack.queues.find((q) => q.type.name === 'generic')!.dlqUrl;
    await vi.waitFor(
      async () => {
        const { Attributes } = await stack.clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
      },
      { timeout: 45_000, interval: 200 },
    );

    // Act
    const { code, out } = await tasklane(['redrive', 'generic', '--local'], cwd);
    const json = await tasklane(['redrive', 'generic', '--json', '--local'], cwd);

    // Assess
    expect(code).toBe(0);
    expect(out).toBe('Moved 1 dead-lettered "generic" task(s) into reruns.\n');
    expect(JSON.parse(json.out)).toEqual({ type: 'generic', moved: 0, task_ids: [], dropped: 0, left: 0, more: false });
    const list = await tasklane(['list', '--json', '--local'], cwd);
    expect(JSON.parse(list.out).items.filter((t: { rerun_of?: string }) => t.rerun_of === id)).toHaveLength(1);
  }, 60_000);

  it.each([
    ['an unknown task type to redrive', () => ['redrive', 'nope', '--local'], () => cwd, /No task type "nope"/],
    [
      'an unknown id',
      () => ['get', '01M8FW54X830X4HT5D1AH85R16', '--local'],
      () => cwd,
      /No task with id "01M8FW54X830X4HT5D1AH85R16"\./,
    ],
    ['an unknown id to watch', () => ['watch', 'nope', '--local'], () => cwd, /No task with id "nope"\./],
    ['a missing id', () => ['cancel', '--local'], () => cwd, /cancel needs a task id/],
    [
      'a bad URL',
      () => ['list', '--api-url', 'localhost:3000', '--api-key', 'k'],
      () => cwd,
      /--api-url must be an http\(s\) URL .*got "localhost:3000"/,
    ],
    [
      'a key the API refuses',
      () => ['list', '--local', '--api-key', 'tl_nottheke_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
      () => cwd,
      /The API refused the key \(401\)/,
    ],
    ['no API named', () => ['list'], () => empty, /Name the API: --api-url <URL> \(or TASKLANE_API_URL\)/],
    ['no local stack', () => ['list', '--local'], () => empty, /No running local stack found/],
    [
      'a payload that is not JSON',
      () => ['create', 'generic', '--payload', '{steps:1}', '--local'],
      () => cwd,
      /--payload is not valid JSON/,
    ],
    [
      'a payload the type refuses',
      () => ['create', 'generic', '--payload', '{"steps":0}', '--local'],
      () => cwd,
      /not valid for task type "generic"\.\n {2}payload\.steps: Too small/,
    ],
    ['an unknown command', () => ['frobnicate'], () => cwd, /Unknown command "frobnicate"/],
    [
      'a --delay that is no duration',
      () => ['create', 'generic', '--delay', '10 minutes', '--local'],
      () => cwd,
      /--delay takes whole seconds \(600\) or a whole number with a unit: 90s, 10m, 2h, 1d \(got "10 minutes"\)\./,
    ],
    [
      "a --delay beyond the API's year",
      () => ['create', 'generic', '--delay', '366d', '--local'],
      () => cwd,
      /delay_seconds: must be a whole number of seconds from 0 to 31536000/,
    ],
    [
      '--at and --run-at together',
      () => ['create', 'generic', '--at', '2099-01-01T00:00:00Z', '--run-at', '2099-01-01T00:00:00Z', '--local'],
      () => cwd,
      /--run-at is another name for --at: give one of them\./,
    ],
  ])('explains %s and exits 2', async (_, args, dir, message) => {
    // Act
    const { code, err } = await tasklane(args(), dir());

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('imports a CSV in one command: upload, import task, watched to the end with the result', async () => {
    // Prepare
    const file = join(cwd, 'jobs.csv');
    writeFileSync(file, 'n,wait\n2,0\n-1,0\n');

    // Act
    const imported = await tasklane(
      ['import', file, '--type', 'generic', '--columns', 'n=steps,wait=step_ms', '--watch', '--local'],
      cwd,
    );

    // Assess
    expect(imported.code).toBe(0);
    // Parsed, not compared as text: DynamoDB keeps no order of a map's keys.
    expect(printedResult(imported.out)).toMatchObject({
      imported: 1,
      rejected: 1,
      errors: [expect.objectContaining({ line: 3 })],
    });
  });

  it.each([
    [['import', 'missing.csv', '--type', 'generic'], 'Cannot read missing.csv: ENOENT.'],
    [['import', 'jobs.csv'], 'import needs a CSV file and the task type of its rows'],
    [
      ['import', 'jobs.csv', '--type', 'generic', '--columns', 'n'],
      '--columns takes header=field pairs separated by commas',
    ],
  ])('refuses %j with exit 2 and what to do', async (args, message) => {
    // Act
    const refused = await tasklane([...args, '--local'], cwd);

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(message);
  });

  it('explains an API that does not answer', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const { code, err } = await tasklane(['get', 'x'], cwd, {
      TASKLANE_API_URL: `http://127.0.0.1:${port}`,
      TASKLANE_API_KEY: 'k',
    });

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      `tasklane: Cannot reach the Tasklane API at http://127.0.0.1:${port}/ (ECONNREFUSED). Is it running, and is --api-url right?\n`,
    );
  });

  it('runs as `npx tasklane` (bin/tasklane.mjs) with the exit code of the watched task', async () => {
    // Act
    const child = spawn(
      process.execPath,
      [
        join(process.cwd(), 'bin/tasklane.mjs'),
        'create',
        'generic',
        '--payload',
        '{"steps":2,"step_ms":50}',
        '--watch',
        '--local',
      ],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const [code] = await once(child, 'exit');

    // Assess
    expect(output).toContain('completed');
    expect(code).toBe(0);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The `result` line the CLI prints for a task, parsed. */
function printedResult(out: string): unknown {
  const line = out.split('\n').find((l) => l.trimStart().startsWith('result '));
  if (!line) throw new Error(`no result line in:\n${out}`);
  return JSON.parse(line.trimStart().slice('result'.length));
}
