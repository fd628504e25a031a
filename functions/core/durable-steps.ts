import {
  PermanentTaskError,
  RunSuspended,
  StepWriteLostError,
  TaskCanceledError,
  TokenFailedError,
  TokenTimeoutError,
} from './errors';
import { spawnChild, waitForChildren, type ChildJournal } from './child-steps';
import type { Clock, TaskLifecycle, WriteResult } from './ports';
import type { ResultStore } from './result-store';
import { STEP_LIMITS } from './step-limits';
import { completedStep, storedStepResult } from './step-results';
import { newToken } from './step-tokens';
import { STORABLE } from './storable-json';
import { sweepAtForScheduled } from './sweep-policy';
import type { Task } from './task';
import type { TaskServices } from './task-services';
import type { ChildOutcome, DurableContext, SpawnOptions, StepEntry, StepKind } from './task-steps';
import { toTaskError } from './task-storage';

/** How a suspended run is to come back: at `wakeAt` (a sleep), or when a token is settled. */
export interface SuspendedRun {
  wakeAt?: string;
}

type Use = 'step' | 'sleep' | 'createToken' | 'waitForToken' | 'spawn' | 'waitForChildren';

/**
 * One run's view of the task's durable steps: replays what is stored, runs and stores what is not,
 * and suspends the run for sleeps, tokens and children (core/child-steps.ts). Every write is
 * conditional on this attempt still running (core/ports.ts TaskLifecycle.saveStep, suspend).
 */
export class StepJournal implements DurableContext, ChildJournal {
  private steps: Record<string, StepEntry>;
  /** What each name was used for in this run. */
  private readonly used = new Map<string, Set<Use>>();
  /** Waits for children so far in this run (they are named by their order). */
  private waits = 0;
  /** Set once the run suspended itself; every later call throws RunSuspended. */
  suspended?: SuspendedRun;

  constructor(
    private readonly deps: {
      store: TaskLifecycle;
      clock: Clock;
      services?: Pick<TaskServices, 'children'>;
      /** Where results too large for the record go; without it they fail the task. */
      results?: ResultStore;
    },
    readonly task: Task,
    private readonly attempt: number,
    private readonly signal: AbortSignal,
  ) {
    this.steps = { ...task.steps };
  }

  get children() {
    return this.deps.services?.children;
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const stored = this.begin(name, 'step', 'step');
    if (stored?.status === 'completed') return (await this.storedResult(stored)) as T;
    const startedAt = this.now();
    const attempts = (stored?.attempts ?? 0) + 1;
    const index = stored?.index ?? this.nextIndex();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      if (!(error instanceof RunSuspended || error instanceof TaskCanceledError || this.signal.aborted)) {
        const failed: StepEntry = {
          kind: 'step',
          index,
          status: 'failed',
          attempts,
          started_at: startedAt,
          ended_at: this.now(),
          error: toTaskError(error),
        };
        await this.save(name, failed);
      }
      throw error;
    }
    this.signal.throwIfAborted();
    const entry: StepEntry = {
      kind: 'step',
      index,
      status: 'completed',
      attempts,
      started_at: startedAt,
      ended_at: this.now(),
    };
    await this.saveCompleted(name, entry, result, `Step "${name}" returned a result that cannot be stored`);
    return result;
  }

  /**
   * Stores a completed step with its result: on the record, or in the result store when the record
   * cannot hold it (core/step-results.ts); a result that cannot be stored at all fails the task.
   */
  async saveCompleted(name: string, entry: StepEntry, result: unknown, what: string): Promise<void> {
    const { results } = this.deps;
    await this.save(name, await completedStep(this.task, this.steps, name, entry, result, results, what));
  }

  /** A completed step's result as stored, read back whole from the result store if it went there. */
  storedResult(stored: Pick<StepEntry, 'result' | 'result_ref'>): Promise<unknown> {
    return storedStepResult(stored, this.deps.results);
  }

  async sleep(name: string, seconds: number): Promise<void> {
    const stored = this.begin(name, 'sleep', 'sleep');
    checkSeconds(`ctx.sleep("${name}")`, seconds);
    const now = this.deps.clock.now();
    // Completed by the resume that ended it; still `sleeping` only if that resume raced: due is done.
    if (stored && (stored.status === 'completed' || (stored.wake_at ?? '') <= now.toISOString())) return;
    const wakeAt = stored?.wake_at ?? new Date(now.getTime() + seconds * 1000).toISOString();
    const entry: StepEntry = stored ?? {
      kind: 'sleep',
      index: this.nextIndex(),
      status: 'sleeping',
      attempts: 1,
      started_at: now.toISOString(),
      wake_at: wakeAt,
    };
    await this.suspend(name, {
      kind: 'sleep',
      step: name,
      entry,
      wakeAt,
      sweepAt: sweepAtForScheduled(wakeAt, now.toISOString()),
    });
  }

  async createToken(name: string): Promise<string> {
    const stored = this.begin(name, 'token', 'createToken');
    if (stored?.token) return stored.token;
    const entry: StepEntry = {
      kind: 'token',
      index: this.nextIndex(),
      status: 'open',
      attempts: 1,
      started_at: this.now(),
      token: newToken(this.task.id),
    };
    await this.save(name, entry);
    return entry.token!;
  }

  async waitForToken<T = unknown>(name: string, options: { timeoutSeconds: number }): Promise<T> {
    let stored = this.begin(name, 'token', 'waitForToken');
    checkSeconds(`ctx.waitForToken("${name}") timeoutSeconds`, options?.timeoutSeconds);
    if (!stored) {
      throw new PermanentTaskError(
        `ctx.waitForToken("${name}"): no token of that name; call ctx.createToken("${name}") first.`,
      );
    }
    if (stored.status === 'open' || stored.status === 'waiting') {
      const now = this.deps.clock.now();
      const timeoutAt = stored.timeout_at ?? new Date(now.getTime() + options.timeoutSeconds * 1000).toISOString();
      const entry: StepEntry = { ...stored, status: 'waiting', timeout_at: timeoutAt };
      const settled = await this.suspend(name, { kind: 'wait', step: name, entry, sweepAt: timeoutAt });
      stored = settled;
    }
    return settledValue<T>(name, stored);
  }

  spawn(name: string, type: string, payload: unknown, options?: SpawnOptions): Promise<string> {
    return spawnChild(this, name, type, payload, options);
  }

  waitForChildren(names: readonly string[] | 'all', options?: { timeoutSeconds?: number }): Promise<ChildOutcome[]> {
    return waitForChildren(this, names, options);
  }

  entries(): Readonly<Record<string, StepEntry>> {
    return this.steps;
  }

  nextWaitName(): string {
    this.waits += 1;
    return `waitForChildren#${this.waits}`;
  }

  /** Checks a call's name and kind against this run and the stored steps; returns the stored entry. */
  begin(name: string, kind: StepKind, use: Use): StepEntry | undefined {
    if (this.suspended) throw new RunSuspended();
    this.signal.throwIfAborted();
    if (typeof name !== 'string' || name.length === 0 || name.length > STEP_LIMITS.nameChars) {
      throw new PermanentTaskError(
        `ctx.${use}: the name must be a string of 1 to ${STEP_LIMITS.nameChars} characters.`,
      );
    }
    if ((STORABLE.reservedKeys as readonly string[]).includes(name)) {
      throw new PermanentTaskError(`ctx.${use}: "${name}" cannot name a step.`);
    }
    const uses = this.used.get(name) ?? new Set<Use>();
    // createToken and waitForToken share their token's name; each may be called once per run.
    const tokenPair = [...uses, use].every((u) => u === 'createToken' || u === 'waitForToken');
    if (uses.has(use) || (uses.size > 0 && !tokenPair)) {
      throw new PermanentTaskError(
        `ctx.${use}("${name}"): the name "${name}" is already used in this run; step, sleep and token names must be unique within a task.`,
      );
    }
    this.used.set(name, uses.add(use));
    const stored = this.steps[name];
    if (stored && stored.kind !== kind) {
      throw new PermanentTaskError(
        `ctx.${use}("${name}"): a ${stored.kind} of that name is stored; task code must call the same steps in the same order on every run.`,
      );
    }
    return stored;
  }

  async save(name: string, entry: StepEntry): Promise<void> {
    const written = await this.deps.store.saveStep(
      this.task.tenant,
      this.task.id,
      this.attempt,
      name,
      entry,
      this.now(),
    );
    this.adopt(name, written);
    this.steps[name] = entry;
  }

  /**
   * Suspends the run; for a wait whose token was settled meanwhile, returns the settled entry instead.
   * `wakeNow`, given the task as the suspend left it, may make it due at once (its message is this one, deferred).
   */
  async suspend(
    name: string,
    suspension: Parameters<TaskLifecycle['suspend']>[3],
    wakeNow?: (task: Task) => Promise<boolean>,
  ): Promise<StepEntry> {
    const written = await this.deps.store.suspend(this.task.tenant, this.task.id, this.attempt, suspension, this.now());
    if (written.ok) {
      this.steps[name] = suspension.entry;
      this.suspended = { wakeAt: suspension.wakeAt };
      // A wake that failed is the sweeper's to make (it looks at a waiting task until its timeout).
      if (wakeNow && (await wakeNow(written.task).catch(() => false))) this.suspended = { wakeAt: this.now() };
      throw new RunSuspended();
    }
    const current = written.current?.steps?.[name];
    if (suspension.kind === 'wait' && written.current?.status === 'running' && current && isSettled(current)) {
      this.steps[name] = current;
      return current;
    }
    this.adopt(name, written);
    throw new StepWriteLostError(name);
  }

  /** A lost write: canceled (the runner ends the task canceled) or taken over by a later attempt. */
  private adopt(name: string, written: WriteResult): void {
    if (written.ok) return;
    if (written.current?.cancel_requested) throw new TaskCanceledError();
    throw new StepWriteLostError(name);
  }

  nextIndex(): number {
    return Object.values(this.steps).reduce((max, entry) => Math.max(max, entry.index + 1), 0);
  }

  now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function isSettled(entry: StepEntry): boolean {
  return entry.status === 'completed' || entry.status === 'failed' || entry.status === 'timed_out';
}

function settledValue<T>(name: string, entry: StepEntry): T {
  if (entry.status === 'completed') return entry.result as T;
  if (entry.status === 'failed') throw new TokenFailedError(name, entry.error ?? { name: 'Error', message: 'failed' });
  if (entry.status === 'timed_out') throw new TokenTimeoutError(name);
  throw new StepWriteLostError(name);
}

function checkSeconds(what: string, seconds: unknown): void {
  if (
    typeof seconds !== 'number' ||
    !Number.isFinite(seconds) ||
    seconds < 1 ||
    seconds > STEP_LIMITS.maxSuspendSeconds
  ) {
    throw new PermanentTaskError(
      `${what}: a number of seconds from 1 to ${STEP_LIMITS.maxSuspendSeconds} (one year) is required; got ${String(seconds)}.`,
    );
  }
}
