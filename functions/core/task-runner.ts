import type { AttemptOutcome } from './attempt-outcome';
import { startOrResume } from './attempt-start';
import { acquireSlots, type ConcurrencySlots, deferralSeconds, isCapped } from './concurrency';
import { StepJournal, type SuspendedRun } from './durable-steps';
import { PermanentTaskError, RunSuspended, TaskCanceledError, TaskTimeoutError } from './errors';
import { noMetrics, type TaskMetrics } from './metrics';
import type { Clock, Log, TaskMessage, TaskLifecycle, TaskReader } from './ports';
import { ProgressReporter } from './progress-reporter';
import { decideAfterFailure } from './retry-policy';
import type { ResultStore } from './result-store';
import { storedStepResult } from './step-results';
import { recordableResult } from './task-result';
import { toTaskError } from './task-storage';
import { sweepAtForRetry } from './sweep-policy';
import { isTerminal, type Task } from './task';
import { queueDelay } from './task-timing';
import type { TaskTypeDefinition } from './task-type';
import { queueSettings } from './queue-settings';
import type { TaskServices } from './task-services';

export interface RunnerDeps {
  store: TaskLifecycle;
  clock: Clock;
  log: Log;
  /** Handed to task code as `ctx.services`. */
  services: TaskServices;
  /** Where step and task results too large for the record go; without it they fail the task. */
  results?: ResultStore;
  metrics?: TaskMetrics;
  progressIntervalMs?: number;
  random?: () => number;
  /** Slots of the types with concurrencyPerKey/concurrencyPerTenant, and the reader that finds a task's key. */
  concurrency?: { slots: ConcurrencySlots; reader: TaskReader };
}

export interface AttemptInput {
  message: TaskMessage;
  /** Attempt number: the message's delivery count (SQS ApproximateReceiveCount) plus its attempt_base. */
  attempt: number;
  /** Milliseconds this attempt may run; defaults to the type's timeout. */
  timeBudgetMs?: number;
  /**
   * Keeps this delivery from every other worker for `seconds` from now (SQS: the message's visibility),
   * asked once the attempt has started; a redelivery after that means this attempt died.
   */
  holdDelivery?: (seconds: number) => Promise<void>;
}

/**
 * Runs one attempt of a task: take its concurrency slots (or defer the delivery), start
 * (conditionally), run with progress and cancellation, record the outcome, give the slots back.
 */
export async function runAttempt(
  deps: RunnerDeps,
  type: TaskTypeDefinition,
  input: AttemptInput,
): Promise<AttemptOutcome> {
  if (!deps.concurrency || !isCapped(type.settings)) return attempt(deps, type, input);
  const release = await acquireSlots(
    { ...deps.concurrency, clock: deps.clock, log: deps.log },
    { tenant: input.message.tenant, taskId: input.message.task_id, type },
  );
  if (!release) {
    return { kind: 'defer', delaySeconds: deferralSeconds(input.message.deferrals ?? 0, deps.random), overLimit: true };
  }
  try {
    return await attempt(deps, type, input);
  } finally {
    await release();
  }
}

async function attempt(deps: RunnerDeps, type: TaskTypeDefinition, input: AttemptInput): Promise<AttemptOutcome> {
  const { tenant, task_id: id } = input.message;
  const { attempt } = input;
  const now = () => deps.clock.now().toISOString();

  const begun = await startOrResume(deps, type, input.message, attempt);
  if ('kind' in begun) return begun;
  const { task } = begun;
  // The queue's visibility timeout (6 × the function timeout) would keep a dead attempt's message
  // away that long; this attempt cannot outlive its invocation, so hold the message just that long.
  await input.holdDelivery?.(queueSettings(type).attemptVisibilitySeconds);
  const metrics = deps.metrics ?? noMetrics;
  metrics.count('started', type.name);
  const startedAt = deps.clock.now().getTime();
  if (task.cancel_requested) return cancel(deps, task, attempt, now());

  // A payload by reference is read from its task-owned copy first (a failed read fails the attempt as any error would).
  let payload: unknown;
  try {
    payload = await storedStepResult({ result: task.payload, result_ref: task.payload_ref }, deps.results);
  } catch (error) {
    return fail(deps, type, task, attempt, error, error instanceof PermanentTaskError, now());
  }
  const parsed = type.payloadSchema.safeParse(payload);
  if (!parsed.success) {
    return fail(
      deps,
      type,
      task,
      attempt,
      new PermanentTaskError(`Stored payload no longer matches the "${type.name}" schema: ${parsed.error.message}`),
      true,
      now(),
    );
  }

  const controller = new AbortController();
  const budgetMs = input.timeBudgetMs ?? type.settings.timeoutSeconds * 1000;
  const timer = setTimeout(() => controller.abort(new TaskTimeoutError(Math.round(budgetMs / 1000))), budgetMs);
  const reporter = new ProgressReporter(
    deps.store,
    deps.clock,
    { tenant, id, attempt },
    () => controller.abort(new TaskCanceledError()),
    deps.progressIntervalMs,
  );
  const journal = new StepJournal(deps, task, attempt, controller.signal);
  try {
    const result = await type.run({
      step: (name, fn) => journal.step(name, fn),
      sleep: (name, seconds) => journal.sleep(name, seconds),
      createToken: (name) => journal.createToken(name),
      waitForToken: (name, options) => journal.waitForToken(name, options),
      spawn: (name, type, payload, options) => journal.spawn(name, type, payload, options),
      waitForChildren: (names, options) => journal.waitForChildren(names, options),
      taskId: id,
      tenant,
      payload: parsed.data,
      attempt,
      maxAttempts: task.max_attempts,
      progress: (percent, message) => {
        controller.signal.throwIfAborted();
        return reporter.report(percent, message);
      },
      signal: controller.signal,
      log: deps.log,
      services: deps.services,
    });
    // Task code that caught RunSuspended and went on still ends its invocation here.
    if (journal.suspended) return suspendedOutcome(deps, journal.suspended);
    // A result DynamoDB cannot store would fail the write of every attempt: one too large goes to the
    // result store (core/task-result.ts); one that cannot be stored at all fails the task now, saying why.
    const stored = await recordableResult(result, task, deps.results);
    if (stored instanceof PermanentTaskError) return fail(deps, type, task, attempt, stored, true, now());
    const completed = await deps.store.complete(tenant, id, attempt, stored.result, now(), stored.ref);
    metrics.attemptDuration(type.name, deps.clock.now().getTime() - startedAt);
    if (completed.ok) {
      metrics.count('completed', type.name);
      return { kind: 'ack', reason: 'completed' };
    }
    if (completed.current?.cancel_requested && completed.current.status === 'running')
      return cancel(deps, completed.current, attempt, now());
    return { kind: 'ack', reason: 'duplicate' };
  } catch (error) {
    metrics.attemptDuration(type.name, deps.clock.now().getTime() - startedAt);
    if (journal.suspended || error instanceof RunSuspended) return suspendedOutcome(deps, journal.suspended ?? {});
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof TaskCanceledError || error instanceof TaskCanceledError)
      return cancel(deps, task, attempt, now());
    return fail(deps, type, task, attempt, reason, reason instanceof PermanentTaskError, now());
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A run that suspended itself: a sleep due within a queue message's delay comes back as a delayed
 * message (numbered as this attempt); a longer one, or a wait, leaves the queue (the sweeper hands
 * it back, or the token's settling sends it).
 */
function suspendedOutcome(deps: RunnerDeps, run: SuspendedRun): AttemptOutcome {
  const delay = run.wakeAt ? queueDelay(run.wakeAt, deps.clock.now()) : undefined;
  deps.log.info('run suspended', { wake_at: run.wakeAt, delay_seconds: delay?.delaySeconds });
  return delay ? { kind: 'defer', delaySeconds: delay.delaySeconds } : { kind: 'ack', reason: 'suspended' };
}

async function cancel(deps: RunnerDeps, task: Task, attempt: number, now: string): Promise<AttemptOutcome> {
  const canceled = await deps.store.cancelRunning(task.tenant, task.id, attempt, now);
  if (canceled.ok) (deps.metrics ?? noMetrics).count('canceled', task.type);
  deps.log.info(canceled.ok ? 'task canceled at a checkpoint' : 'cancel lost a race; record already moved on');
  return { kind: 'ack', reason: 'canceled' };
}

async function fail(
  deps: RunnerDeps,
  type: TaskTypeDefinition,
  task: Task,
  attempt: number,
  error: unknown,
  permanent: boolean,
  now: string,
): Promise<AttemptOutcome> {
  const metrics = deps.metrics ?? noMetrics;
  const taskError = toTaskError(error);
  const decision = decideAfterFailure(attempt, task.max_attempts, permanent, type.settings, deps.random);
  if (decision.action === 'retry') {
    const nextAttemptAt = new Date(Date.parse(now) + decision.delaySeconds * 1000).toISOString();
    const retried = await deps.store.retry(
      task.tenant,
      task.id,
      attempt,
      taskError,
      nextAttemptAt,
      sweepAtForRetry(nextAttemptAt),
      now,
    );
    deps.log.warn('attempt failed; retrying', { error: taskError, delay_seconds: decision.delaySeconds });
    if (retried.ok) metrics.count('retried', type.name);
    if (retried.ok && retried.task.cancel_requested) {
      const canceled = await deps.store.cancelWaiting(task.tenant, task.id, now);
      if (canceled.ok) metrics.count('canceled', type.name);
      return { kind: 'ack', reason: 'canceled' };
    }
    if (!retried.ok && retried.current && isTerminal(retried.current.status))
      return { kind: 'ack', reason: 'duplicate' };
    return { kind: 'retry', delaySeconds: decision.delaySeconds };
  }
  const failed = await deps.store.fail(task.tenant, task.id, attempt, taskError, now);
  if (failed.ok) metrics.count('failed', type.name);
  deps.log.error(permanent ? 'attempt failed permanently' : 'last attempt failed', { error: taskError });
  return permanent ? { kind: 'ack', reason: 'failed' } : { kind: 'dead_letter' };
}
