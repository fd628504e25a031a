import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderWithStackState, tasklane } from '../helpers/cli';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/** `tasklane bulk` against the embedded local stack (its workers running), through its state file like `--local`. */
describe('tasklane bulk (cli/run.ts, cli/bulk.ts)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let cwd: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, scheduleIntervalMs: 0, rateLimitPerSecond: 0, progressIntervalMs: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
    cwd = folderWithStackState(stack, 'tasklane-cli-bulk-');
  });
  afterAll(async () => {
    await stack?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('cancels the tasks a filter selects and, with --watch, follows the bulk task to its result', async () => {
    // Prepare
    const delayed = await Promise.all(
      [1, 2, 3].map(() =>
        api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1 }, delay_seconds: 600 }),
      ),
    );

    // Act
    const { code, out } = await tasklane(
      ['bulk', 'cancel', '--status', 'scheduled', '--type', 'generic', '--watch', '--local'],
      cwd,
    );
    const statuses = await Promise.all(delayed.map(async (d) => (await api.get(d.body.task_id)).body.status));

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/ bulk {2}completed {2}100%/);
    // Parsed, not compared as text: DynamoDB keeps no order of a map's keys.
    const result = out.split('\n').find((line) => line.startsWith('  result '));
    expect(JSON.parse(result!.slice('  result '.length))).toEqual({ matched: 3, applied: 3, skipped: 0 });
    expect(statuses).toEqual(['canceled', 'canceled', 'canceled']);
  });

  it('sends the ids, the time window and the action as the API takes them', async () => {
    // Act
    const { code, out } = await tasklane(
      [
        'bulk',
        'rerun',
        '--ids',
        '01M8SCD8CVFCRZ6D096VNTCE65, 01M8SCD8CVFCRZ6D096VNTCE66',
        '--created-after',
        '2026-01-01T00:00:00Z',
        '--created-before',
        '2026-02-01T00:00:00Z',
        '--local',
        '--json',
      ],
      cwd,
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      type: 'bulk',
      payload: {
        action: 'rerun',
        filter: {
          ids: ['01M8SCD8CVFCRZ6D096VNTCE65', '01M8SCD8CVFCRZ6D096VNTCE66'],
          created_after: '2026-01-01T00:00:00Z',
          created_before: '2026-02-01T00:00:00Z',
        },
      },
    });
  });

  it.each([
    [
      'no filter',
      ['bulk', 'cancel'],
      'filter: give at least one of status, type, created_after, created_before or ids',
    ],
    [
      'an unknown action',
      ['bulk', 'purge', '--status', 'pending'],
      'bulk needs an action, cancel or rerun (got "purge")',
    ],
    [
      'a status the action cannot apply to',
      ['bulk', 'rerun', '--status', 'pending'],
      'filter.status: rerun acts on finished tasks',
    ],
  ])('refuses %s with exit code 2 and says what to fix', async (_what, args, message) => {
    // Act
    const { code, err } = await tasklane([...args, '--local'], cwd);

    // Assess
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});
