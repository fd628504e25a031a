import type { TaskMetrics } from './metrics';
import { noMetrics } from './metrics';
import type { ChildRecords, Clock, Log, SweepStore, TaskQueue, TokenRecords } from './ports';
import {
  SWEEP,
  sweepAtForAttempt,
  sweepAtForPending,
  sweepAtForScheduled,
  sweepAtForWebhook,
  untilStartBy,
} from './sweep-policy';
import { isPastStartBy, queueDelay } from './task-timing';
import { sweepSuspended } from './task-resume';
import { sweepChildrenWait } from './child-fan-in';
import { webhookEventOf, type WebhookQueue } from './webhook-message';
import type { Task } from './task';
import type { TaskTypeDefinition } from './task-type';

export interface SweeperDeps {
  store: SweepStore;
  queue: TaskQueue;
  clock: Clock;
  log: Log;
  findType: (name: string) => TaskTypeDefinition | undefined;
  metrics?: TaskMetrics;
  /** Where unsettled webhooks of finished tasks are sent again; without it they are left alone. */
  webhookQueue?: WebhookQueue;
  /** Times out the tokens of waiting tasks (core/task-resume.ts); without it they wait for their token. */
  tokens?: TokenRecords;
  /** Marks children's ends and times out waits for children (core/child-fan-in.ts); without it parents wait for their children's ends. */
  children?: ChildRecords;
}

export interface SweepReport {
  due: number;
  reenqueued: number;
  /** Delayed tasks whose run time came within a queue message's delay: their message was sent. */
  handedOff: number;
  /** Tasks not started by their start_by, ended `expired`. */
  expired: number;
  failed: number;
  /** Lost a race to a worker, the API or another sweeper: nothing to do. */
  skipped: number;
  /** Webhooks of finished tasks queued again (their message was lost). */
  webhooksResent: number;
  /** Tokens of waiting tasks settled `timed_out`, their task woken to see it. */
  tokensTimedOut: number;
  /** Waits for children past their timeout, timed out and their task woken to see it. */
  childWaitsTimedOut: number;
}

export interface SweepOptions {
  /**
   * Every active task and every owed webhook is due, however far its time: for a start that knows
   * every attempt and every message of the previous run died with it (local/recover.ts). All pages
   * are read; new sweep times still count from the clock, so the safety net stays in place.
   */
  everythingDue?: boolean;
}

/**
 * Due tasks read per shard and page. A scheduled run reads one page per shard and leaves the rest to
 * the next run (the schedule is every minute). A page shorter than this is the shard's last: a
 * hundred sweep index entries (a few KB each at most) stay far below DynamoDB's 1 MB per Query.
 */
const MAX_PER_SHARD = 100;

/** Sorts after every ISO timestamp: as a sweep's "now", every entry of the sweep indexes is due. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * The safety net behind "every accepted task reaches a terminal status":
 * - a task still `pending` past its grace period (its message was never sent or was lost) gets a new message;
 * - a `running`/`retrying` task whose attempt should have come back by now: on its final attempt
 *   (the message went to the DLQ with the worker dead) it is failed; otherwise it gets a new message
 *   that continues its attempt count.
 * Every change is conditional on `sweep_at` (or the attempt) being unchanged, so running it next to
 * workers, or twice at once, acts at most once per task.
 */
export async function sweep(deps: SweeperDeps, options: SweepOptions = {}): Promise<SweepReport> {
  const now = deps.clock.now().toISOString();
  const dueBy = options.everythingDue ? END_OF_TIME : now;
  const allPages = options.everythingDue ?? false;
  const report: SweepReport = {
    due: 0,
    reenqueued: 0,
    handedOff: 0,
    expired: 0,
    failed: 0,
    skipped: 0,
    webhooksResent: 0,
    tokensTimedOut: 0,
    childWaitsTimedOut: 0,
  };
  for (let shard = 0; shard < SWEEP.shards; shard++) {
    // Webhooks first: a task this run fails is owed its webhook by that write, not by a resend.
    if (deps.webhookQueue) {
      const owed = dueEntries((after) => deps.store.listWebhooksDue(shard, dueBy, MAX_PER_SHARD, after), allPages);
      report.webhooksResent += await resendWebhooks(deps, deps.webhookQueue, owed, now);
    }
    for await (const task of dueEntries(
      (after) => deps.store.listDueForSweep(shard, dueBy, MAX_PER_SHARD, after),
      allPages,
    )) {
      report.due++;
      report[await sweepOne(deps, task, now)]++;
    }
  }
  if (report.due > 0 || report.webhooksResent > 0) deps.log.info('sweep finished', { ...report });
  return report;
}

/**
 * The due entries of one sweep index partition: its first page, or with `allPages` every page. A task
 * this sweep moves on may be listed again further down; it is handed out once.
 */
async function* dueEntries(list: (after?: Task) => Promise<Task[]>, allPages: boolean): AsyncGenerator<Task> {
  const seen = new Set<string>();
  let after: Task | undefined;
  do {
    const page = await list(after);
    for (const task of page) {
      const key = `${task.tenant}#${task.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield task;
    }
    after = allPages && page.length === MAX_PER_SHARD ? page.at(-1) : undefined;
  } while (after);
}

/** Finished tasks whose webhook is still owed and overdue: their message was lost, so send it again. */
async function resendWebhooks(
  deps: SweeperDeps,
  queue: WebhookQueue,
  owed: AsyncIterable<Task>,
  now: string,
): Promise<number> {
  let resent = 0;
  for await (const task of owed) {
    const event = webhookEventOf(task);
    if (!event || !task.webhook_sweep_at) continue;
    const claimed = await deps.store.claimWebhookSweep(
      task.tenant,
      task.id,
      task.webhook_sweep_at,
      sweepAtForWebhook(now),
      now,
    );
    if (!claimed.ok) continue;
    await queue.send({ tenant: task.tenant, task_id: task.id, event });
    deps.log.warn('sweeper re-sent a webhook whose message was lost', { task_id: task.id, tenant: task.tenant, event });
    resent++;
  }
  return resent;
}

type SweepAction =
  | 'reenqueued'
  | 'handedOff'
  | 'expired'
  | 'failed'
  | 'skipped'
  | 'tokensTimedOut'
  | 'childWaitsTimedOut';

async function sweepOne(deps: SweeperDeps, listed: Task, now: string): Promise<SweepAction> {
  const type = deps.findType(listed.type);
  if (!type || !listed.sweep_at) return 'skipped';
  // Suspended by ctx.sleep or ctx.waitForToken: no attempt is running, so none can be lost.
  if (listed.status === 'sleeping' || listed.status === 'waiting') {
    const { children } = deps;
    const childWait = children
      ? (task: Task, at: string) =>
          sweepChildrenWait(
            {
              records: children,
              queue: deps.queue,
              log: deps.log,
              claimSweep: async (next) =>
                (await deps.store.claimSweep(task.tenant, task.id, task.sweep_at!, next, at)).ok,
            },
            task,
            at,
          )
      : undefined;
    return sweepSuspended({ ...deps, childWait }, listed, now);
  }
  let task = listed;
  if (task.status === 'scheduled' || task.status === 'pending') {
    // The sweep index holds what every sweep needs, not run_at or start_by: read the record (only tasks
    // that have not started come here: a delayed one due for its hand-off, or one whose message was lost).
    const full = await deps.store.get(task.tenant, task.id);
    if (!full || full.status !== task.status || full.sweep_at !== task.sweep_at) return 'skipped';
    task = full;
    if (isPastStartBy(task, now)) return expireUnstarted(deps, task, now);
    if (task.status === 'scheduled' && task.run_at && task.run_at > now) return handOff(deps, task, now);
  }
  const sweepAt = task.sweep_at!;
  const log = { task_id: task.id, tenant: task.tenant, type: task.type, status: task.status, attempts: task.attempts };

  if (task.status !== 'pending' && task.attempts >= task.max_attempts) {
    const failed = await deps.store.fail(
      task.tenant,
      task.id,
      task.attempts,
      {
        name: 'AttemptLost',
        message: `Attempt ${task.attempts} of ${task.max_attempts} stopped without recording an outcome (the worker crashed or timed out); no attempts are left.`,
      },
      now,
    );
    if (!failed.ok) return 'skipped';
    deps.log.warn('sweeper failed a task whose final attempt was lost', log);
    (deps.metrics ?? noMetrics).count('failed', task.type);
    return 'failed';
  }

  const next =
    task.status === 'pending' || task.status === 'scheduled' ? sweepAtForPending(now) : sweepAtForAttempt(now, type);
  const claimed = await deps.store.claimSweep(task.tenant, task.id, sweepAt, next, now);
  if (!claimed.ok) return 'skipped';
  await deps.queue.send(task.type, {
    tenant: task.tenant,
    task_id: task.id,
    ...(task.attempts > 0 ? { attempt_base: task.attempts } : {}),
  });
  deps.log.warn('sweeper re-enqueued a task whose message was lost', log);
  return 'reenqueued';
}

/** A delayed task whose run time is within a queue message's delay: its message goes on the queue now. */
async function handOff(deps: SweeperDeps, task: Task, now: string): Promise<SweepAction> {
  const delay = queueDelay(task.run_at, new Date(now));
  // Further ahead than a message can wait: only a sweep that takes everything due lists it this early.
  if (!delay) return 'skipped';
  const next = untilStartBy(sweepAtForScheduled(task.run_at!, now), task.start_by);
  const claimed = await deps.store.claimSweep(task.tenant, task.id, task.sweep_at!, next, now);
  if (!claimed.ok) return 'skipped';
  await deps.queue.send(task.type, { tenant: task.tenant, task_id: task.id }, delay);
  deps.log.info('delayed task handed to its queue', {
    task_id: task.id,
    run_at: task.run_at,
    delay_seconds: delay.delaySeconds,
  });
  return 'handedOff';
}

/** A task that did not start by its start_by: it ends `expired` (and its webhook is owed like any end). */
async function expireUnstarted(deps: SweeperDeps, task: Task, now: string): Promise<SweepAction> {
  const expired = await deps.store.expire(task.tenant, task.id, now);
  if (!expired.ok) return 'skipped';
  deps.log.info('sweeper expired a task not started by its start_by', { task_id: task.id, start_by: task.start_by });
  return 'expired';
}
