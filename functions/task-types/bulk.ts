import * as z from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { TASK_ID_PATTERN } from '../core/ids';
import { TASK_STATUSES, isTerminal, type Task } from '../core/task';
import { defineTaskType, type TaskContext, type TaskTypeDefinition } from '../core/task-type';

/** Tasks one bulk action matches at most; the rest are left alone and the result says `capped: true`. */
export const BULK_MAX_TASKS = 10_000;
/** Tasks read per page (one listing Query, or one slice of `ids`), each followed by a progress checkpoint. */
export const BULK_PAGE_SIZE = 100;
/** Actions in flight at once: each is a read and a conditional write, plus a queue send for a rerun. */
const BULK_PARALLELISM = 10;

export const BULK_TYPE_NAME = 'bulk';
export const BULK_ACTIONS = ['cancel', 'rerun'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

const RFC3339 = 'must be an RFC 3339 date-time with a time zone, e.g. 2026-12-01T18:00:00Z';
const FILTER_FIELDS = 'status, type, created_after, created_before or ids';

/**
 * The Idempotency-Key of the rerun of `targetId` by the bulk task `bulkTaskId`: the same for every
 * attempt of that bulk task, so a retried one finds the reruns it made instead of making them again.
 */
export function bulkRerunKey(bulkTaskId: string, targetId: string): string {
  return `bulk-rerun:${bulkTaskId}:${targetId}`;
}

/** The body of POST /tasks/bulk and the payload of a `bulk` task, given the registry's type names. */
export function bulkPayloadSchema(typeNames: () => readonly string[]) {
  const filter = z
    .strictObject(
      {
        status: z.enum(TASK_STATUSES).optional(),
        type: z
          .string()
          .refine((name) => typeNames().includes(name), { error: () => `must be one of: ${typeNames().join(', ')}` })
          .optional(),
        created_after: z.iso.datetime({ offset: true, error: RFC3339 }).optional(),
        created_before: z.iso.datetime({ offset: true, error: RFC3339 }).optional(),
        ids: z
          .array(z.string().regex(TASK_ID_PATTERN, { error: 'must be a task id' }), {
            error: 'must be a list of task ids',
          })
          .min(1, { error: `must list 1–${BULK_MAX_TASKS} task ids` })
          .max(BULK_MAX_TASKS, { error: `must list 1–${BULK_MAX_TASKS} task ids` })
          .transform((ids) => [...new Set(ids)])
          .optional(),
      },
      { error: `required: an object with at least one of ${FILTER_FIELDS}` },
    )
    .refine((f) => Object.values(f).some((value) => value !== undefined), {
      error: `give at least one of ${FILTER_FIELDS}: an empty filter would act on every task`,
    })
    .refine(
      (f) => !(f.created_after && f.created_before) || Date.parse(f.created_after) < Date.parse(f.created_before),
      { error: 'must be before created_before', path: ['created_after'] },
    );
  return z
    .strictObject({
      action: z.enum(BULK_ACTIONS, { error: `must be one of: ${BULK_ACTIONS.join(', ')}` }),
      filter,
    })
    .superRefine(({ action, filter }, issues) => {
      // A status the action can never apply to would only make a task that skips everything.
      if (filter.status && (action === 'rerun') !== isTerminal(filter.status))
        issues.addIssue({
          code: 'custom',
          path: ['filter', 'status'],
          message:
            action === 'rerun'
              ? 'rerun acts on finished tasks: completed, failed, canceled or expired'
              : 'cancel acts on unfinished tasks: scheduled, pending, running, retrying, sleeping or waiting',
        });
    });
}

type BulkPayload = z.output<ReturnType<typeof bulkPayloadSchema>>;
type BulkFilter = BulkPayload['filter'];
type Outcome = 'applied' | 'skipped';

/**
 * Whether `task` is one the bulk task acts on: it matches every field given, and it existed when the
 * bulk task was created (`asOf`), so a retry never meets the reruns the bulk task made itself.
 */
function matcher(filter: BulkFilter, asOf: string, selfId: string) {
  const after = filter.created_after ? Date.parse(filter.created_after) : undefined;
  const before = Math.min(
    filter.created_before ? Date.parse(filter.created_before) : Number.POSITIVE_INFINITY,
    Date.parse(asOf) + 1,
  );
  return (task: Task) => {
    const created = Date.parse(task.created_at);
    return (
      task.id !== selfId &&
      (!filter.status || task.status === filter.status) &&
      (!filter.type || task.type === filter.type) &&
      (after === undefined || created > after) &&
      created < before
    );
  };
}

/** Applies the action to one task; refusals that concern that task alone (finished, unfinished, gone) skip it. */
async function applyTo(ctx: TaskContext<BulkPayload>, task: Task): Promise<Outcome> {
  const { manage } = ctx.services;
  // Terminal statuses are final, so even a listing that lags tells a task that can no longer be canceled.
  if (ctx.payload.action === 'cancel' && isTerminal(task.status)) return 'skipped';
  try {
    if (ctx.payload.action === 'cancel') await manage.cancel(ctx.tenant, task.id);
    else await manage.rerun({ tenant: ctx.tenant, id: task.id, idempotencyKey: bulkRerunKey(ctx.taskId, task.id) });
    return 'applied';
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) return 'skipped';
    if (error instanceof ValidationError) {
      // The original's payload or webhook_url is no longer accepted: that task cannot be rerun as it was.
      ctx.log.warn('bulk rerun refused for one task', { task_id: task.id, error: error.message });
      return 'skipped';
    }
    throw error;
  }
}

/** Applies the action to `tasks`, BULK_PARALLELISM at a time. */
async function applyAll(ctx: TaskContext<BulkPayload>, tasks: readonly Task[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < tasks.length; i += BULK_PARALLELISM) {
    outcomes.push(...(await Promise.all(tasks.slice(i, i + BULK_PARALLELISM).map((t) => applyTo(ctx, t)))));
  }
  return outcomes;
}

/** Gets tasks by id, BULK_PARALLELISM at a time; undefined for one that does not exist. */
async function getAll(ctx: TaskContext<BulkPayload>, ids: readonly string[]): Promise<(Task | undefined)[]> {
  const found: (Task | undefined)[] = [];
  const get = (id: string) =>
    ctx.services.manage.get(ctx.tenant, id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  for (let i = 0; i < ids.length; i += BULK_PARALLELISM) {
    found.push(...(await Promise.all(ids.slice(i, i + BULK_PARALLELISM).map(get))));
  }
  return found;
}

/** The bulk type, given the registry's list (a function, as the registry lists this type too). */
export function defineBulkType(taskTypes: () => readonly TaskTypeDefinition[]) {
  return defineTaskType({
    name: BULK_TYPE_NAME,
    description: `Cancels or reruns the tenant’s tasks matching a filter (${FILTER_FIELDS}), up to ${BULK_MAX_TASKS}; POST /tasks/bulk creates it.`,
    payloadSchema: bulkPayloadSchema(() => taskTypes().map((t) => t.name)),
    settings: {
      timeoutSeconds: 900,
      maxAttempts: 3,
      backoff: { baseSeconds: 10, capSeconds: 120 },
      // One bulk action per invocation: each may run for minutes.
      batchSize: 1,
      maxConcurrency: 2,
      memoryMb: 256,
    },
    uses: ['manage_tasks'],
    async run(ctx) {
      const { filter } = ctx.payload;
      const self = await ctx.services.manage.get(ctx.tenant, ctx.taskId);
      const matches = matcher(filter, self.created_at, ctx.taskId);
      const tally = { matched: 0, applied: 0, skipped: 0 };
      const count = (outcomes: Outcome[]) => {
        for (const outcome of outcomes) tally[outcome]++;
      };
      const summary = () => `${tally.matched} matched: ${tally.applied} applied, ${tally.skipped} skipped`;

      // No checkpoint survives an attempt: a retry starts again from the first page. Each action is
      // idempotent (a canceled task is skipped, a rerun is found by its key), and the matcher keeps to
      // tasks that existed when the bulk task was created, so a retry repeats nothing.
      if (filter.ids) {
        let notFound = 0;
        for (let i = 0; i < filter.ids.length; i += BULK_PAGE_SIZE) {
          const found = await getAll(ctx, filter.ids.slice(i, i + BULK_PAGE_SIZE));
          notFound += found.filter((t) => t === undefined).length;
          const targets = found.filter((t): t is Task => t !== undefined && matches(t));
          tally.matched += targets.length;
          count(await applyAll(ctx, targets));
          // The checkpoint: throws once the bulk task is canceled; actions already applied stay.
          await ctx.progress((Math.min(filter.ids.length, i + BULK_PAGE_SIZE) / filter.ids.length) * 99, summary());
        }
        await ctx.progress(100, summary());
        return { ...tally, not_found: notFound };
      }

      // Newest first; progress is the share of the time window covered when it has a lower bound.
      const windowEnd = Math.min(Date.parse(self.created_at), Date.parse(filter.created_before ?? self.created_at));
      const windowStart = filter.created_after ? Date.parse(filter.created_after) : undefined;
      let capped = false;
      let cursor: string | undefined;
      do {
        const page = await ctx.services.tasks.list({
          tenant: ctx.tenant,
          status: filter.status,
          type: filter.type,
          limit: BULK_PAGE_SIZE,
          cursor,
        });
        const targets: Task[] = [];
        for (const task of page.items.filter(matches)) {
          if (tally.matched === BULK_MAX_TASKS) {
            capped = true;
            break;
          }
          tally.matched++;
          targets.push(task);
        }
        count(await applyAll(ctx, targets));
        const oldest = page.items.at(-1)?.created_at;
        const reachedStart = windowStart !== undefined && oldest !== undefined && Date.parse(oldest) <= windowStart;
        cursor = capped || reachedStart ? undefined : page.nextCursor;
        const covered =
          windowStart === undefined || !oldest || windowEnd <= windowStart
            ? 0
            : ((windowEnd - Date.parse(oldest)) / (windowEnd - windowStart)) * 99;
        await ctx.progress(Math.max(0, Math.min(99, covered)), summary());
      } while (cursor);
      await ctx.progress(100, capped ? `${summary()}; stopped at the cap of ${BULK_MAX_TASKS}` : summary());
      return { ...tally, ...(capped ? { capped: true, cap: BULK_MAX_TASKS } : {}) };
    },
  });
}
