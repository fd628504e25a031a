import { NotFoundError, RateLimitedError } from './errors';
import type { Clock, Log, TaskMessage } from './ports';
import type { QueueDepths } from './queue-depths';
import { isTerminal } from './task';
import type { TaskService } from './task-service';

/** One message of a task type's dead-letter queue. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiptHandle: string;
}

/** The dead-letter queues of the task types (SQS: one DLQ per type). */
export interface TaskDeadLetters extends QueueDepths {
  /** Up to 10 messages, hidden from other receivers for `hideSeconds`. */
  receive(type: string, hideSeconds: number): Promise<DeadLetter[]>;
  delete(type: string, receiptHandle: string): Promise<void>;
  /** Makes a received message visible again at once (a redrive that could not move it). */
  release(type: string, receiptHandle: string): Promise<void>;
}

export interface TaskRedriveReport {
  type: string;
  /** Dead-lettered tasks rerun (the new tasks' ids in `task_ids`); their messages left the DLQ. */
  moved: number;
  task_ids: string[];
  /** Messages dropped: not a task message, or their task no longer exists. */
  dropped: number;
  /** Messages left in the DLQ: their task has not ended yet, or another tenant's. */
  left: number;
  /** The redrive stopped early (its message or time limit, or the tenant's rate limit) and the DLQ may hold more: call it again. */
  more: boolean;
}

export const REDRIVE_LIMITS = {
  /** Messages one call handles at most; call again for more (`more: true`). */
  maxMessages: 500,
  /** One call stops taking new batches after this long, well inside API Gateway's 29 s. */
  budgetMs: 20_000,
  /** While a redrive runs, the messages it saw stay hidden this long, so it sees each once. */
  hideSeconds: 120,
} as const;

export interface TaskRedriveDeps {
  deadLetters: TaskDeadLetters;
  tasks: Pick<TaskService, 'get' | 'rerun'>;
  log: Log;
  clock: Clock;
}

type Outcome = 'left' | 'dropped' | { taskId: string } | { error: unknown };

/**
 * Empties a task type's dead-letter queue of the tenant's tasks into reruns (`rerun_of`): each is
 * created with an Idempotency-Key derived from the message, so a redrive that dies half-way and is
 * run again finds the reruns it made instead of making them twice; a message leaves the DLQ only
 * after its rerun exists. Other tenants' messages, and tasks not yet ended, are left where they are.
 */
export async function redriveTaskDeadLetters(
  deps: TaskRedriveDeps,
  tenant: string,
  type: string,
  limits: { maxMessages: number; budgetMs: number } = REDRIVE_LIMITS,
): Promise<TaskRedriveReport> {
  const report: TaskRedriveReport = { type, moved: 0, task_ids: [], dropped: 0, left: 0, more: false };
  const stopAt = deps.clock.now().getTime() + limits.budgetMs;
  let seen = 0;
  const leftHandles: string[] = [];
  while (!report.more) {
    if (seen >= limits.maxMessages || deps.clock.now().getTime() >= stopAt) {
      report.more = true;
      break;
    }
    const batch = await deps.deadLetters.receive(type, REDRIVE_LIMITS.hideSeconds);
    if (batch.length === 0) break;
    seen += batch.length;
    const outcomes = await Promise.all(batch.map((letter) => redriveOne(deps, tenant, type, letter)));
    const errors: unknown[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome === 'left') {
        report.left++;
        leftHandles.push(batch[i]!.receiptHandle);
      } else if (outcome === 'dropped') report.dropped++;
      else if ('error' in outcome) errors.push(outcome.error);
      else {
        report.moved++;
        report.task_ids.push(outcome.taskId);
      }
    }
    // The tenant's creation limit ends this call with what it moved; anything else is an error the caller sees.
    const unexpected = errors.find((error) => !(error instanceof RateLimitedError));
    if (unexpected) {
      await releaseAll(deps, type, leftHandles);
      throw unexpected;
    }
    if (errors.length > 0) report.more = true;
  }
  // What this call left (other tenants', unfinished tasks') was hidden only so it saw each once.
  await releaseAll(deps, type, leftHandles);
  deps.log.info('task DLQ redriven', { tenant, ...report, task_ids: undefined });
  return report;
}

async function redriveOne(deps: TaskRedriveDeps, tenant: string, type: string, letter: DeadLetter): Promise<Outcome> {
  const message = parseTaskMessage(letter.body);
  if (!message) {
    deps.log.warn('dropping a DLQ message that is not a task message', { type, message_id: letter.messageId });
    await deps.deadLetters.delete(type, letter.receiptHandle);
    return 'dropped';
  }
  // Another tenant's message stays hidden until this redrive ends (so it sees it once), then is released.
  if (message.tenant !== tenant) return 'left';
  try {
    const original = await deps.tasks.get(tenant, message.task_id);
    // The sweeper fails a task whose last attempt died; until then it is not ours to rerun.
    if (!isTerminal(original.status)) return 'left';
    const { task } = await deps.tasks.rerun({
      tenant,
      id: original.id,
      idempotencyKey: `dlq-redrive ${letter.messageId}`,
    });
    await deps.deadLetters.delete(type, letter.receiptHandle);
    return { taskId: task.id };
  } catch (error) {
    if (error instanceof NotFoundError) {
      await deps.deadLetters.delete(type, letter.receiptHandle);
      return 'dropped';
    }
    // Not moved: back in the DLQ at once, for the next redrive (its rerun, if made, is found by its key).
    await deps.deadLetters.release(type, letter.receiptHandle).catch(() => undefined);
    return { error };
  }
}

async function releaseAll(deps: TaskRedriveDeps, type: string, handles: string[]): Promise<void> {
  await Promise.all(handles.map((handle) => deps.deadLetters.release(type, handle).catch(() => undefined)));
}

function parseTaskMessage(body: string): TaskMessage | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<TaskMessage>;
    return typeof parsed.tenant === 'string' && typeof parsed.task_id === 'string'
      ? { tenant: parsed.tenant, task_id: parsed.task_id }
      : undefined;
  } catch {
    return undefined;
  }
}
