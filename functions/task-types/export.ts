import { Readable, Transform, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import * as z from 'zod';
import { TASK_STATUSES, toView, type Task, type TaskView } from '../core/task';
import { defineTaskType } from '../core/task-type';

/** Tasks read per page: one DynamoDB Query each, and one progress checkpoint. */
export const EXPORT_PAGE_SIZE = 100;

/** The CSV columns, in order (documented in the README); NDJSON lines carry the same fields as GET /tasks/{id}. */
export const EXPORT_COLUMNS = [
  'task_id',
  'type',
  'status',
  'progress',
  'attempts',
  'max_attempts',
  'created_at',
  'started_at',
  'ended_at',
  'updated_at',
  'payload',
  'result',
  'error',
] as const;

export const exportPayload = z
  .object({
    filter: z
      .object({
        status: z.enum(TASK_STATUSES).optional(),
        type: z.string().min(1).max(64).optional(),
        created_after: z.iso.datetime({ offset: true }).optional(),
        created_before: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .refine(
        (f) => !(f.created_after && f.created_before) || Date.parse(f.created_after) < Date.parse(f.created_before),
        {
          message: 'created_after must be before created_before',
          path: ['created_after'],
        },
      )
      .default({}),
    format: z.enum(['csv', 'ndjson']),
  })
  .strict();

type Filter = z.output<typeof exportPayload>['filter'];

/** One CSV row: JSON columns stay JSON (csv-stringify quotes and escapes them). */
function csvRow(view: TaskView): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));
  return {
    task_id: view.task_id,
    type: view.type,
    status: view.status,
    progress: view.progress,
    attempts: view.attempts,
    max_attempts: view.max_attempts,
    created_at: view.created_at,
    started_at: view.started_at ?? '',
    ended_at: view.ended_at ?? '',
    updated_at: view.updated_at,
    payload: json(view.payload),
    result: json(view.result),
    error: view.error ? `${view.error.name}: ${view.error.message}` : '',
  };
}

const inWindow = (task: Task, filter: Filter) =>
  (!filter.created_after || task.created_at > filter.created_after) &&
  (!filter.created_before || task.created_at < filter.created_before);

/** Writes the tenant's task records (optionally filtered) to S3 as CSV or NDJSON and returns a download link. */
export const exportTasks = defineTaskType({
  name: 'export',
  description:
    'Exports the tenant’s task records (filter by status, type, created_after, created_before) to a CSV or NDJSON file with a download link.',
  payloadSchema: exportPayload,
  settings: {
    timeoutSeconds: 900,
    maxAttempts: 3,
    backoff: { baseSeconds: 10, capSeconds: 120 },
    // One export per invocation: each may run for minutes and holds a multipart upload.
    batchSize: 1,
    maxConcurrency: 2,
    memoryMb: 512,
  },
  uses: ['files'],
  async run(ctx) {
    const { filter, format } = ctx.payload;
    const key = `exports/${ctx.tenant}/${ctx.taskId}.${format}`;
    let rows = 0;
    // Newest first; progress is the share of the time window covered when it has a lower bound.
    const windowEnd = Date.parse(filter.created_before ?? new Date().toISOString());
    const windowStart = filter.created_after ? Date.parse(filter.created_after) : undefined;
    const shape = format === 'csv' ? csvRow : (view: TaskView) => view;
    async function* records(): AsyncGenerator<object> {
      let cursor: string | undefined;
      for (let page = 1; ; page++) {
        const { items, nextCursor } = await ctx.services.tasks.list({
          tenant: ctx.tenant,
          status: filter.status,
          type: filter.type,
          limit: EXPORT_PAGE_SIZE,
          cursor,
        });
        for (const task of items.filter((t) => inWindow(t, filter))) {
          rows++;
          yield shape(toView(task));
        }
        const oldest = items.at(-1)?.created_at;
        const reachedStart =
          filter.created_after !== undefined && oldest !== undefined && oldest <= filter.created_after;
        if (!nextCursor || reachedStart) return;
        cursor = nextCursor;
        const covered =
          windowStart === undefined || !oldest
            ? 0
            : ((windowEnd - Date.parse(oldest)) / (windowEnd - windowStart)) * 99;
        // The checkpoint: throws once the task is canceled, which stops the stream and aborts the upload.
        await ctx.progress(Math.max(0, Math.min(99, covered)), `page ${page}: ${rows} rows`);
      }
    }
    const encoder =
      format === 'csv'
        ? stringify({ header: true, columns: [...EXPORT_COLUMNS] })
        : new Transform({
            writableObjectMode: true,
            transform: (record: object, _enc, done) => done(null, `${JSON.stringify(record)}\n`),
          });
    // Errors (a failed page read, cancellation) destroy the encoder, which fails the upload.
    const body = pipeline(Readable.from(records()), encoder, () => undefined);
    const stored = await ctx.services.files.upload(
      key,
      body,
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      ctx.signal,
    );
    const link = await ctx.services.files.downloadUrl(key);
    await ctx.progress(100, `${rows} rows`);
    return {
      bucket: stored.bucket,
      key: stored.key,
      format,
      rows,
      bytes: stored.bytes,
      download_url: link.url,
      download_url_expires_at: new Date(Date.now() + link.expiresInSeconds * 1000).toISOString(),
    };
  },
});
