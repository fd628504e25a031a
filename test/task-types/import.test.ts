import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { NewTask } from '../../functions/core/bulk-create';
import { PermanentTaskError, TaskCanceledError } from '../../functions/core/errors';
import type { Log } from '../../functions/core/ports';
import { issuesToDetails } from '../../functions/core/validation';
import type { TaskContext } from '../../functions/core/task-type';
import {
  IMPORT_CHUNK_SIZE,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  MAX_IMPORT_ROW_BYTES,
} from '../../functions/task-types/import';
import { requireTaskType } from '../../functions/task-types/registry';
import { noDurableSteps, taskServices } from '../helpers/factories';

const importType = requireTaskType('import');
const UPLOAD_ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The context of one import attempt reading `csv`, with task creation recorded in `created`. */
function importContext(csv: string | Readable, overrides: Partial<TaskContext<unknown>> = {}) {
  const created: NewTask[][] = [];
  // In 4 KiB chunks, as a network stream arrives: progress by bytes read can then move.
  const body = typeof csv === 'string' ? Readable.from(chunksOf(Buffer.from(csv), 4096)) : csv;
  const bytes = typeof csv === 'string' ? Buffer.byteLength(csv) : MAX_IMPORT_BYTES + 1;
  const ctx: TaskContext<unknown> = {
    ...noDurableSteps,
    taskId: 'import-1',
    tenant: 'acme',
    payload: importType.payloadSchema.parse({ upload_id: UPLOAD_ID, task_type: 'generic' }),
    attempt: 1,
    maxAttempts: 3,
    progress: vi.fn(async () => undefined),
    signal: new AbortController().signal,
    log: silent,
    services: taskServices({
      files: { upload: vi.fn(), downloadUrl: vi.fn(), read: vi.fn(async () => ({ body, bytes })) },
      tasks: {
        list: vi.fn(),
        createMany: vi.fn(async (_tenant: string, tasks: readonly NewTask[]) => {
          created.push([...tasks]);
          return { created: tasks.length, existing: 0 };
        }),
      },
    }),
    ...overrides,
  };
  return { ctx, created, body };
}

const chunksOf = (buffer: Buffer, size: number) =>
  Array.from({ length: Math.ceil(buffer.length / size) }, (_, i) => buffer.subarray(i * size, (i + 1) * size));
const rowsOf = (count: number) => ['steps,step_ms', ...Array.from({ length: count }, () => '1,0')].join('\n');

describe('import payload', () => {
  it.each([
    [
      'an upload_id that POST /uploads cannot have returned',
      { upload_id: 'x', task_type: 'generic' },
      'payload.upload_id',
      'must be an upload_id returned by POST /uploads',
    ],
    [
      'an unknown task_type, listing the known ones',
      { upload_id: UPLOAD_ID, task_type: 'nope' },
      'payload.task_type',
      'must be one of: generic, email, export, bulk, workflow',
    ],
    [
      'an import of imports',
      { upload_id: UPLOAD_ID, task_type: 'import' },
      'payload.task_type',
      'must be one of: generic, email, export, bulk, workflow',
    ],
    [
      'a mapping onto a field that is no name',
      { upload_id: UPLOAD_ID, task_type: 'email', columns: { a: 'to field' } },
      'payload.columns.a',
      'must be a payload field name (letters, digits, _ and -, dots to nest)',
    ],
    [
      'a mapping onto the prototype',
      { upload_id: UPLOAD_ID, task_type: 'email', columns: { a: 'x.__proto__' } },
      'payload.columns.a',
      'must be a payload field name (letters, digits, _ and -, dots to nest)',
    ],
    [
      'a mapping of over 100 columns',
      {
        upload_id: UPLOAD_ID,
        task_type: 'email',
        columns: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`c${i}`, `f${i}`])),
      },
      'payload.columns',
      'at most 100 columns',
    ],
    [
      'an unknown field',
      { upload_id: UPLOAD_ID, task_type: 'generic', type: 'generic' },
      'payload.type',
      'unknown field; remove it',
    ],
  ])('refuses %s', (_case, payload, field, rule) => {
    // Act
    const parsed = importType.payloadSchema.safeParse(payload);

    // Assess
    expect(parsed.success).toBe(false);
    expect(issuesToDetails(parsed.error!.issues, 'payload')).toEqual([{ field, rule }]);
  });
});

describe('import run', () => {
  it('creates the rows in chunks and reports progress by bytes read at each', async () => {
    // Prepare
    const { ctx, created } = importContext(rowsOf(2 * IMPORT_CHUNK_SIZE + 1));

    // Act
    const result = await importType.run(ctx);

    // Assess
    expect(created.map((chunk) => chunk.length)).toEqual([IMPORT_CHUNK_SIZE, IMPORT_CHUNK_SIZE, 1]);
    expect(new Set(created.flat().map((t) => t.id)).size).toBe(2 * IMPORT_CHUNK_SIZE + 1);
    expect(result).toEqual({ task_type: 'generic', imported: 2 * IMPORT_CHUNK_SIZE + 1, rejected: 0, errors: [] });
    const percents = vi.mocked(ctx.progress).mock.calls.map(([percent]) => percent);
    expect(percents.at(-1)).toBe(100);
    expect(percents.slice(0, -1).every((p, i, all) => p <= 99 && (i === 0 || p >= all[i - 1]!))).toBe(true);
  });

  it('reports progress as the share of the file read, rising from early on', async () => {
    // Prepare: 200 KB, far more than the stream buffers ahead of the parser.
    const note = 'n'.repeat(200);
    const { ctx } = importContext(
      ['steps,step_ms,note', ...Array.from({ length: 1000 }, () => `1,0,${note}`)].join('\n'),
      {
        payload: importType.payloadSchema.parse({
          upload_id: UPLOAD_ID,
          task_type: 'generic',
          columns: { steps: 'steps', step_ms: 'step_ms' },
        }),
      },
    );

    // Act
    const result = await importType.run(ctx);

    // Assess
    const percents = vi.mocked(ctx.progress).mock.calls.map(([percent]) => percent);
    expect(percents[0]).toBeLessThan(50);
    expect(percents.filter((p) => p > 10 && p < 90).length).toBeGreaterThan(10);
    expect(percents.at(-1)).toBe(100);
    expect(result).toMatchObject({ imported: 1000, rejected: 0 });
  });

  it('reaches a checkpoint every chunk of rows read, even when none of them is valid', async () => {
    // Prepare
    const { ctx, created } = importContext(
      ['steps,step_ms', ...Array.from({ length: 3 * IMPORT_CHUNK_SIZE }, () => 'x,0')].join('\n'),
    );

    // Act
    const result = await importType.run(ctx);

    // Assess
    expect(created).toEqual([]);
    expect(result).toMatchObject({ imported: 0, rejected: 3 * IMPORT_CHUNK_SIZE });
    expect(vi.mocked(ctx.progress).mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('counts a line that breaks the CSV in more than one way once', async () => {
    // Prepare
    const { ctx } = importContext('steps,step_ms\n1,2"x"\n1,0\n');

    // Act
    const result = (await importType.run(ctx)) as { imported: number; rejected: number; errors: { line: number }[] };

    // Assess
    expect(result).toMatchObject({ imported: 1, rejected: 1 });
    expect(result.errors.map((e) => e.line)).toEqual([2]);
  });

  it.each([
    ['a malformed header', 'steps,step_"ms\n1,0\n', 'The CSV header cannot be read'],
    [
      'a header named like an Object.prototype member',
      'steps,toString\n1,0\n',
      'CSV header "toString" is not a payload field name',
    ],
    [
      'a header named hasOwnProperty',
      'hasOwnProperty,steps\n1,0\n',
      'CSV header "hasOwnProperty" is not a payload field name',
    ],
    [
      'a row over the size limit (the parser would drop what follows it)',
      `steps,step_ms\n1,${'9'.repeat(MAX_IMPORT_ROW_BYTES + 10)}\n${'1,0\n'.repeat(2000)}`,
      `Line 2 is longer than ${MAX_IMPORT_ROW_BYTES} bytes`,
    ],
  ])('fails at once, creating nothing, on %s', async (_case, csv, message) => {
    // Prepare
    const { ctx, created } = importContext(csv);

    // Act
    const outcome = await importType.run(ctx).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(PermanentTaskError);
    expect((outcome as Error).message).toContain(message);
    expect(created).toEqual([]);
  });

  it('ignores a header named like an Object.prototype member when a mapping is given', async () => {
    // Prepare
    const { ctx, created } = importContext('n,constructor,toString\n2,a,b\n', {
      payload: importType.payloadSchema.parse({ upload_id: UPLOAD_ID, task_type: 'generic', columns: { n: 'steps' } }),
    });

    // Act
    const result = await importType.run(ctx);

    // Assess
    expect(result).toMatchObject({ imported: 1, rejected: 0 });
    expect(created.flat().map((t) => t.payload)).toEqual([{ steps: 2, step_ms: 1000, fail_attempts: 0 }]);
  });

  it('stops reading when the attempt is aborted (timeout or cancellation), even before the first row', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort(new Error('attempt timed out'));
    const stalled = new Readable({ read: () => undefined });
    const { ctx } = importContext('', { signal: controller.signal });
    vi.mocked(ctx.services.files.read).mockResolvedValue({ body: stalled, bytes: 100 });

    // Act
    const outcome = await importType.run(ctx).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(Error);
    expect(stalled.destroyed).toBe(true);
  });

  it('stops at the next checkpoint once canceled: the chunks created so far stay, the rest is not read', async () => {
    // Prepare
    const progress = vi.fn().mockResolvedValueOnce(undefined).mockRejectedValueOnce(new TaskCanceledError());
    const { ctx, created } = importContext(rowsOf(10 * IMPORT_CHUNK_SIZE), { progress });

    // Act
    const outcome = await importType.run(ctx).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(TaskCanceledError);
    expect(created).toHaveLength(2);
  });

  it('refuses an upload over the size limit before reading it', async () => {
    // Prepare
    const body = Readable.from(['never read']);
    const { ctx, created } = importContext(body);

    // Act
    const outcome = await importType.run(ctx).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(PermanentTaskError);
    expect((outcome as Error).message).toContain(`an import reads at most ${MAX_IMPORT_BYTES} bytes`);
    expect(body.destroyed).toBe(true);
    expect(created).toEqual([]);
  });

  it('fails an empty upload, which has no header', async () => {
    // Prepare
    const { ctx } = importContext('\n\n');

    // Act
    const outcome = await importType.run(ctx).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(PermanentTaskError);
    expect((outcome as Error).message).toContain('The upload is empty');
  });

  it(`reads at most ${MAX_IMPORT_ROWS} rows and reports where it stopped`, async () => {
    // Prepare
    const { ctx, created } = importContext(rowsOf(MAX_IMPORT_ROWS + 3));

    // Act
    const result = (await importType.run(ctx)) as {
      imported: number;
      rejected: number;
      errors: unknown[];
      truncated?: boolean;
    };

    // Assess
    expect(created.flat()).toHaveLength(MAX_IMPORT_ROWS);
    expect(result).toMatchObject({ imported: MAX_IMPORT_ROWS, rejected: 1, truncated: true });
    expect(result.errors).toEqual([
      { line: MAX_IMPORT_ROWS + 2, error: expect.stringContaining(`at most ${MAX_IMPORT_ROWS} rows`) },
    ]);
  }, 30_000);
});
