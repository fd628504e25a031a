import { allChildrenEnded, nextChildCheck } from './child-fan-in';
import { ChildrenTimeoutError, PermanentTaskError } from './errors';
import { childTaskId } from './ids';
import type { Suspension } from './ports';
import { STEP_LIMITS } from './step-limits';
import { sweepAtForPending } from './sweep-policy';
import type { Task } from './task';
import type { ChildTasks } from './task-services';
import type { ChildOutcome, SpawnOptions, StepEntry, StepKind } from './task-steps';

/** What ctx.spawn and ctx.waitForChildren need of the run's journal (core/durable-steps.ts StepJournal). */
export interface ChildJournal {
  readonly task: Task;
  readonly children?: ChildTasks;
  /** Checks a call's name and kind against this run and the stored steps; returns the stored entry. */
  begin(name: string, kind: StepKind, use: 'spawn' | 'waitForChildren'): StepEntry | undefined;
  /** The entries known to this run, by name. */
  entries(): Readonly<Record<string, StepEntry>>;
  save(name: string, entry: StepEntry): Promise<void>;
  /** Stores a completed step with its result (on the record or, too large for it, in the result store). */
  saveCompleted(name: string, entry: StepEntry, result: unknown, what: string): Promise<void>;
  /** A stored result (of a step, or a child's record), read back whole if it is in the result store. */
  storedResult(stored: Pick<StepEntry, 'result' | 'result_ref'>): Promise<unknown>;
  /** Suspends the run; `wakeNow`, given the task as the suspend left it, may make it due at once. */
  suspend(name: string, suspension: Suspension, wakeNow?: (task: Task) => Promise<boolean>): Promise<StepEntry>;
  nextIndex(): number;
  /** The name of this run's next wait for children: `waitForChildren#1`, `#2`, … (the same on every replay). */
  nextWaitName(): string;
  now(): string;
}

/** Default and longest wait for children. */
const DEFAULT_WAIT_SECONDS = 86_400;

/**
 * ctx.spawn: the step entry (with the child's derived id) is written before the child exists, so a
 * child that ends at once always finds it; a replay whose child is not known to have ended puts it
 * again (a conditional put of the same id, which creates nothing once it exists).
 */
export async function spawnChild(
  journal: ChildJournal,
  name: string,
  type: string,
  payload: unknown,
  options?: SpawnOptions,
): Promise<string> {
  const stored = journal.begin(name, 'child', 'spawn');
  const children = requireChildren(journal, `ctx.spawn("${name}")`);
  const { task } = journal;
  const input = {
    tenant: task.tenant,
    parent_id: task.id,
    step: name,
    id: childTaskId(task.tenant, task.id, name),
    type,
    payload,
    options,
  };
  if (stored && stored.status !== 'running') return stored.task_id!;
  children.check(input);
  if (!stored) {
    await journal.save(name, {
      kind: 'child',
      index: journal.nextIndex(),
      status: 'running',
      attempts: 1,
      started_at: journal.now(),
      task_id: input.id,
    });
  }
  await children.create(input);
  return input.id;
}

/**
 * ctx.waitForChildren: returns at once when every named child is known to have ended; otherwise
 * suspends the run (`waiting`) until the last child's end wakes it (core/child-fan-in.ts), or the
 * sweeper times the wait out. The outcomes are stored as the wait's result, so later runs read them back.
 */
export async function waitForChildren(
  journal: ChildJournal,
  names: readonly string[] | 'all',
  options: { timeoutSeconds?: number } = {},
): Promise<ChildOutcome[]> {
  const name = journal.nextWaitName();
  const where = `ctx.waitForChildren (step "${name}")`;
  const stored = journal.begin(name, 'children', 'waitForChildren');
  const children = requireChildren(journal, where);
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_WAIT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > STEP_LIMITS.maxSuspendSeconds) {
    throw new PermanentTaskError(
      `${where}: timeoutSeconds must be 1 to ${STEP_LIMITS.maxSuspendSeconds}; got ${timeoutSeconds}.`,
    );
  }
  if (stored?.status === 'completed') return (await journal.storedResult(stored)) as ChildOutcome[];
  if (stored?.status === 'timed_out') throw new ChildrenTimeoutError(name);
  const waitedFor = stored?.children ?? childNames(journal, names, where);
  const now = journal.now();
  const entry: StepEntry = stored ?? {
    kind: 'children',
    index: journal.nextIndex(),
    status: 'waiting',
    attempts: 1,
    started_at: now,
    children: waitedFor,
    timeout_at: new Date(Date.parse(now) + timeoutSeconds * 1000).toISOString(),
  };
  if (!allChildrenEnded(journal.entries(), entry)) {
    await journal.suspend(
      name,
      { kind: 'children', step: name, entry, sweepAt: nextChildCheck(entry.timeout_at, now) },
      // Every child ended before this suspend (their marks found the parent running): wake it here.
      async (task) =>
        allChildrenEnded(task.steps, entry) &&
        (await children.wakeWaiting(task.tenant, task.id, name, sweepAtForPending(journal.now()), journal.now())).ok,
    );
  }
  const outcomes = await Promise.all(waitedFor.map((child) => outcomeOf(journal, children, child)));
  await journal.saveCompleted(
    name,
    { ...entry, status: 'completed', ended_at: journal.now() },
    outcomes,
    `${where}: the children's outcomes cannot be stored`,
  );
  return outcomes;
}

/** A child's outcome from its record (its spawn step's, should the record have expired). */
async function outcomeOf(journal: ChildJournal, children: ChildTasks, name: string): Promise<ChildOutcome> {
  const entry = journal.entries()[name]!;
  const child = await children.get(journal.task.tenant, entry.task_id!);
  const status = (child?.status ?? entry.status) as ChildOutcome['status'];
  const error = child?.error ?? entry.error;
  return {
    name,
    task_id: entry.task_id!,
    status,
    ...(status === 'completed' ? { result: (child && (await journal.storedResult(child))) ?? null } : {}),
    ...(status !== 'completed' && error ? { error: { name: error.name, message: error.message } } : {}),
  };
}

function childNames(journal: ChildJournal, names: readonly string[] | 'all', where: string): string[] {
  const entries = journal.entries();
  const spawned = Object.entries(entries)
    .filter(([, e]) => e.kind === 'child')
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([n]) => n);
  if (names === 'all') {
    if (spawned.length === 0) throw new PermanentTaskError(`${where}: no child was spawned.`);
    return spawned;
  }
  const unknown = names.filter((n) => entries[n]?.kind !== 'child');
  if (!Array.isArray(names) || names.length === 0 || unknown.length > 0) {
    throw new PermanentTaskError(
      `${where}: names must be children spawned before (ctx.spawn); ${unknown.length > 0 ? `unknown: ${unknown.join(', ')}` : 'none given'}.`,
    );
  }
  return [...new Set(names)];
}

function requireChildren(journal: ChildJournal, where: string): ChildTasks {
  if (!journal.children) throw new PermanentTaskError(`${where}: this worker cannot create tasks.`);
  return journal.children;
}
