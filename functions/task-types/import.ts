import * as z from 'zod';
import { PermanentTaskError } from '../core/errors';
import { importedTaskId } from '../core/ids';
import type { NewTask } from '../core/bulk-create';
import { issuesToDetails } from '../core/validation';
import { isFieldPath, planColumns, rowPayload, type ColumnPlan } from './csv-payload';
import { readCsv } from './csv-reader';
import { defineTaskType, type TaskTypeDefinition } from '../core/task-type';
import { UPLOAD_ID_PATTERN, uploadKey } from './uploads';

/** Rows per chunk: their tasks are put in parallel, then queued in SQS batches of 10; a progress checkpoint follows every chunk of rows read. */
export const IMPORT_CHUNK_SIZE = 25;
/** Largest file an import reads (checked before reading). */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Data rows an import reads at most; the rest of a longer file is left unread and reported. */
export const MAX_IMPORT_ROWS = 100_000;
/** Longest CSV record: the API's largest request body is this size too. */
export const MAX_IMPORT_ROW_BYTES = 256 * 1024;
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
        error: () =>
          `must be one of: ${targets()
            .map((t) => t.name)
            .join(', ')}`,
      }),
      columns: z
        .record(
          z.string().min(1).max(256),
          z
            .string()
            .refine(isFieldPath, { message: 'must be a payload field name (letters, digits, _ and -, dots to nest)' }),
        )
        .refine((m) => Object.keys(m).length <= MAX_MAPPED_COLUMNS, {
          message: `at most ${MAX_MAPPED_COLUMNS} columns`,
        })
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
        throw new PermanentTaskError(
          `No upload "${upload_id}" for this tenant: PUT the CSV to the upload_url from POST /uploads first (uploads are kept for a day).`,
        );
      }
      if (file.bytes > MAX_IMPORT_BYTES) {
        file.body.destroy();
        throw new PermanentTaskError(
          `The upload is ${file.bytes} bytes; an import reads at most ${MAX_IMPORT_BYTES} bytes. Split the file.`,
        );
      }
      const errors: { line: number; error: string }[] = [];
      let rejected = 0;
      const reject = (line: number, error: string) => {
        rejected++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, error });
      };
      const csv = readCsv(file.body, { maxRecordBytes: MAX_IMPORT_ROW_BYTES, signal: ctx.signal, onBadRecord: reject });

      let plan: ColumnPlan | undefined;
      let rows = 0;
      let imported = 0;
      let truncated = false;
      let chunk: NewTask[] = [];
      /** Creates the chunk's tasks, then the checkpoint: throws once the import is canceled; tasks created so far stay and run. */
      const checkpoint = async (line: number) => {
        if (chunk.length > 0) {
          const outcome = await ctx.services.tasks.createMany(ctx.tenant, chunk);
          imported += outcome.created + outcome.existing;
          chunk = [];
        }
        await ctx.progress(
          Math.min(99, (csv.bytesRead() / Math.max(1, file.bytes)) * 100),
          `line ${line}: ${imported} imported, ${rejected} rejected`,
        );
      };

      let line = 0;
      for await (const row of csv.rows) {
        line = row.line;
        if (!plan) {
          plan = headerPlan(row.cells, columns);
          continue;
        }
        if (++rows > MAX_IMPORT_ROWS) {
          truncated = true;
          reject(
            line,
            `an import reads at most ${MAX_IMPORT_ROWS} rows; this line and the rest of the file were not read`,
          );
          csv.stop();
          break;
        }
        const parsed = target.payloadSchema.safeParse(rowPayload(row.cells, plan, target.payloadSchema));
        if (parsed.success)
          chunk.push({
            id: importedTaskId(ctx.tenant, ctx.taskId, line),
            type: target,
            payload: parsed.data,
            source: { import_id: ctx.taskId, line },
          });
        else
          reject(
            line,
            issuesToDetails(parsed.error.issues, 'payload')
              .map((d) => `${d.field}: ${d.rule}`)
              .join('; '),
          );
        // Every IMPORT_CHUNK_SIZE rows read, valid or not, so a file of bad rows still reaches checkpoints.
        if (rows % IMPORT_CHUNK_SIZE === 0) await checkpoint(line);
      }
      if (!plan)
        throw new PermanentTaskError('The upload is empty: an import needs a header row and at least one data row.');
      await checkpoint(line);
      await ctx.progress(100, `${imported} imported, ${rejected} rejected`);
      // Malformed records are reported as the parser meets them, ahead of rows it buffered: list by line.
      errors.sort((a, b) => a.line - b.line);
      return { task_type, imported, rejected, errors, ...(truncated ? { truncated: true } : {}) };
    },
  });
}

/** The plan of the header row; a header no row could be read by fails the import. */
function headerPlan(header: readonly string[], columns: Readonly<Record<string, string>> | undefined): ColumnPlan {
  try {
    return planColumns(header, columns);
  } catch (error) {
    throw new PermanentTaskError((error as Error).message);
  }
}
