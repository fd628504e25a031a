import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../functions/core/api-keys';
import { EXPORT_COLUMNS, EXPORT_PAGE_SIZE } from '../../functions/task-types/export';
import { FILES_BUCKET, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView } from '../helpers/local-api';

describe('export tasks (local stack, files in fauxqs S3)', () => {
  let stack: LocalStack;
  let tenantSeq = 0;

  /** A fresh tenant per test, so an export sees only that test's tasks. */
  const newTenant = async () => apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, `exp${++tenantSeq}`)).secret);
  const runExport = async (api: ReturnType<typeof apiClient>, payload: unknown) => {
    const created = await api.create('export', payload);
    return (await api.waitFor(created.body.task_id, isTerminalView)).task;
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
      pollWaitSeconds: 1,
    });
  });
  afterAll(() => stack?.stop());

  it('exports N tasks as CSV that downloads through download_url and parses to N rows, commas, quotes and newlines intact', async () => {
    // Prepare
    const api = await newTenant();
    const text = 'first, second\n"quoted" line';
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push((await api.create('email', { to: 'a@example.com', subject: `Report ${i}, "v2"`, text })).body.task_id);
    await Promise.all(ids.map((id) => api.waitFor(id, isTerminalView)));

    // Act
    const task = await runExport(api, { format: 'csv', filter: { type: 'email' } });
    const result = task.result as { bucket: string; key: string; rows: number; bytes: number; download_url: string };
    const download = await fetch(result.download_url);
    const csv = await download.text();
    const rows = parse(csv, { columns: true }) as Record<string, string>[];

    // Assess
    expect(task).toMatchObject({ status: 'completed', progress: 100 });
    expect(result).toMatchObject({
      bucket: FILES_BUCKET,
      key: `exports/exp1/${task.task_id}.csv`,
      rows: 12,
      bytes: Buffer.byteLength(csv),
    });
    expect(download.status).toBe(200);
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((r) => r.task_id).sort()).toEqual([...ids].sort());
    expect(rows.every((r) => r.type === 'email' && r.status === 'completed')).toBe(true);
    expect(rows.map((r) => JSON.parse(r.payload!).text)).toEqual(Array(12).fill(text));
    expect(rows.map((r) => JSON.parse(r.payload!).subject).sort()).toEqual(
      ids.map((_, i) => `Report ${i}, "v2"`).sort(),
    );
  });

  it('pages through more than one page as NDJSON, filtered by status and a created_after bound, scoped to the tenant', async () => {
    // Prepare
    const api = await newTenant();
    const other = await newTenant();
    await other.create('generic', { steps: 1, step_ms: 0 });
    const before = new Date().toISOString();
    const count = EXPORT_PAGE_SIZE + 30;
    const ids = await Promise.all(
      Array.from({ length: count }, async () => (await api.create('generic', { steps: 1, step_ms: 0 })).body.task_id),
    );
    await Promise.all(ids.map((id) => api.waitFor(id, isTerminalView)));

    // Act
    const task = await runExport(api, { format: 'ndjson', filter: { status: 'completed', created_after: before } });
    const result = task.result as { rows: number; download_url: string };
    const lines = (await (await fetch(result.download_url)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

    // Assess
    expect(task.status).toBe('completed');
    expect(result.rows).toBe(count);
    expect(lines.map((l) => l.task_id).sort()).toEqual([...ids].sort());
    expect(lines.every((l) => l.type === 'generic' && l.status === 'completed' && l.result.steps === 1)).toBe(true);
  });

  it('refuses a window whose created_after is not before created_before', async () => {
    // Prepare
    const api = await newTenant();

    // Act
    const response = await api.create('export', {
      format: 'csv',
      filter: { created_after: '2026-01-02T00:00:00Z', created_before: '2026-01-01T00:00:00Z' },
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'payload.filter.created_after', rule: 'created_after must be before created_before' },
    ]);
  });
});
