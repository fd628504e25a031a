import { Transform, pipeline } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import * as z from 'zod';
import { PermanentTaskError } from '../core/errors';
import { importedTaskId } from '../core/ids';
import type { NewTask } from '../core/bulk-create';
import { issuesToDetails } from '../core/task-service';
import { isFieldPath, planColumns, rowPayload, type ColumnPlan } from './csv-payload';
import { defineTaskType, type TaskTypeDefinition } from './definition';
import { UPLOAD_ID_PATTERN, uploadKey } from './uploads';

/** Tasks created per chunk: their puts run in parallel, then their messages go out in SQS batches of 10; one progress checkpoint each. */
export const IMPORT_CHUNK_SIZE = 25;
/** Largest file an import reads (checked before reading). */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Data rows an import reads at most; the rest of a longer file is left unread and reported. */
export const MAX_IMPORT_ROWS = 100_000;
/** Longest CSV record, in characters: the API's largest payload is of this order too. */
export const MAX_IMPORT_ROW_CHARS = 256 * 1024;
/** Bad lines listed in the result; `rejected` counts them all. */
export const MAX_REPORTED_ERRORS = 100;
/** Columns a mapping may name. */
const MAX_MAPPED_COLUMNS = 100;

export const IMPORT_TYPE_NAME = 'import';

/** The import type, given the registry's list (a function, as the registry lists import itself). */
export function defineImportType(taskTypes: () => readonly TaskTypeDefinition[]) {
  const targets = () => taskTypes().filter((t) => t.name !== IMPORT_TYPE_NAME);
  const payloadSchema = z
    .object({
      upload_id: z.string().regex(UPLOAD_ID_PATTERN, { message: 'must be an upload_id returned by POST /uploads' }),
      task_type: z.string().refine((name) => targets().some((t) => t.name === name), {
        error: () => `must be one of: ${targets().map((t) => t.name).join(', ')}`,
      }),
      columns: z
        .record(z.string().min(1).max(256), z.string().refine(isFieldPath, { message: 'must be a payload field name (letters, digits, _ and -, dots to nest)' }))
        .refine((m) => Object.keys(m).length <= MAX_MAPPED_COLUMNS, { message: `at most ${MAX_MAPPED_COLUMNS} columns` })
        .optional(),
    })
    .strict();

  return defineTaskType({
    name: IMPORT_TYPE_NAME,
    description:
      'Creates one task of `task_type` per row of a CSV uploaded through POST /uploads (`upload_id`); header cells name payload fields, or `columns` maps them.',
    payloadSchema,
    settings: {
      timeoutSeconds: 900,
      maxAttempts: 3,
      backoff: { baseSeconds: 10, capSeconds: 120 },
      // One import per invocation: each may run for minutes.
      batchSize: 1,
      maxConcurrency: 2,
      memoryMb: 512,
    },
    uses: ['uploads', 'create_tasks'],
    async run(ctx) {
      const { upload_id, task_type, columns } = ctx.payload;
      const target = targets().find((t) => t.name === task_type)!;
      const file = await ctx.services.files.read(uploadKey(ctx.tenant, upload_id), ctx.signal);
      if (!file) {
        throw new PermanentTaskError(`No upload "${upload_id}" for this tenant: PUT the CSV to the upload_url from POST /uploads first (uploads are kept for a day).`);
      }
      if (file.bytes > MAX_IMPORT_BYTES) {
        file.body.destroy();
        throw new PermanentTaskError(`The upload is ${file.bytes} bytes; an import reads at most ${MAX_IMPORT_BYTES} bytes. Split the file.`);
      }

      let bytesRead = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytesRead += chunk.length;
          done(null, chunk);
        },
      });
      const errors: { line: number; error: string }[] = [];
      let rejected = 0;
      const reject = (line: number, error: string) => {
        rejected++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, error });
      };
      const parser = parse({ bom: true, skip_empty_lines: true, skip_records_with_error: true, info: true, max_record_size: MAX_IMPORT_ROW_CHARS });
      // A malformed record (stray quote, wrong number of cells) is reported and skipped, not fatal.
      parser.on('skip', (error: CsvError & { lines?: number }) => reject(error.lines ?? 0, error.message));
      // Read errors and cancellation destroy the parser, which ends the loop below with the error.
      pipeline(file.body, counter, parser, () => undefined);
      ctx.signal.addEventListener('abort', () => parser.destroy(ctx.signal.reason as Error), { once: true });

      let plan: ColumnPlan | undefined;
      let rows = 0;
      let lastLine = 0;
      let imported = 0;
      let truncatedAt: number | undefined;
      let chunk: NewTask[] = [];
      const flush = async (line: number) => {
        if (chunk.length > 0) {
          const outcome = await ctx.services.tasks.createMany(ctx.tenant, chunk);
          imported += outcome.created + outcome.existing;
          chunk = [];
        }
        // The checkpoint: throws once the import is canceled; the tasks created so far stay and run.
        await ctx.progress(Math.min(99, (bytesRead / Math.max(1, file.bytes)) * 100), `line ${line}: ${imported} imported, ${rejected} rejected`);
      };

      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
        // The line the record ends on: a row's identity, the same on every attempt.
        const line = info.lines;
        lastLine = line;
        if (!plan) {
          try {
            plan = planColumns(record, columns);
          } catch (error) {
            throw new PermanentTaskError((error as Error).message);
          }
          continue;
        }
        if (++rows > MAX_IMPORT_ROWS) {
          truncatedAt = line;
          parser.destroy();
          break;
        }
        const parsed = target.payloadSchema.safeParse(rowPayload(record, plan, target.payloadSchema));
        if (!parsed.success) {
          reject(line, issuesToDetails(parsed.error.issues, 'payload').map((d) => `${d.field}: ${d.rule}`).join('; '));
          continue;
        }
        chunk.push({ id: importedTaskId(ctx.tenant, ctx.taskId, line), type: target, payload: parsed.data });
        if (chunk.length === IMPORT_CHUNK_SIZE) await flush(line);
      }
      if (!plan) throw new PermanentTaskError('The upload is empty: an import needs a header row and at least one data row.');
      if (truncatedAt !== undefined) reject(truncatedAt, `an import reads at most ${MAX_IMPORT_ROWS} rows; this line and the rest of the file were not read`);
      await flush(lastLine);
      await ctx.progress(100, `${imported} imported, ${rejected} rejected`);
      // Parse errors surface ahead of the rows buffered before them: report in line order.
      errors.sort((a, b) => a.line - b.line);
      return { task_type, imported, rejected, errors, ...(truncatedAt !== undefined ? { truncated: true } : {}) };
    },
  });
}
