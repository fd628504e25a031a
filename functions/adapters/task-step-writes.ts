import type { ResumeAttempt, Suspension, TaskLifecycle, WriteResult } from '../core/ports';
import type { StepEntry } from '../core/task-steps';
import { STEP_SEQS_MAP } from './task-feed-attributes';
import type { TaskTable } from './task-table';
import { transition } from './task-transitions';
import type { RawSetClauses } from './update-expression';

/**
 * Added to an attempt's start: the durable steps map, and the map of their seqs in the task's feed,
 * so that each step can be written alone (`steps.<name>`) without a read.
 */
export const STEPS_MAP: RawSetClauses = {
  sets: ['#steps = if_not_exists(#steps, :noSteps)', ...STEP_SEQS_MAP.sets],
  names: { '#steps': 'steps', ...STEP_SEQS_MAP.names },
  values: { ':noSteps': {}, ...STEP_SEQS_MAP.values },
};

/** What a suspension requires of its own step entry. */
const STEP_CONDITION: Record<Suspension['kind'], string> = {
  sleep: '',
  wait: ' AND #steps.#step.#stepStatus = :open',
  children: ' AND (attribute_not_exists(#steps.#step) OR #steps.#step.#stepStatus = :waitingStep)',
};

/**
 * The durable-step writes of a running attempt on DynamoDB (core/task-steps.ts): storing a step,
 * suspending the run (`sleeping`, `waiting`) and resuming it. Each is one UpdateItem of the task
 * item's `steps.<name>` entry, conditional on the attempt; DynamoTaskStore delegates to it.
 */
export class TaskStepWrites implements Pick<TaskLifecycle, 'saveStep' | 'suspend' | 'resume'> {
  constructor(private readonly table: TaskTable) {}

  saveStep(
    tenant: string,
    id: string,
    attempt: number,
    name: string,
    entry: StepEntry,
    now: string,
  ): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: {},
      raw: {
        sets: ['#steps.#step = :entry'],
        names: { '#steps': 'steps', '#step': name },
        values: { ':entry': entry },
      },
      condition: '#status = :running AND attempts = :attempt',
      conditionValues: { ':running': 'running', ':attempt': attempt },
      feed: { kind: 'step', step: name },
    });
  }

  suspend(tenant: string, id: string, attempt: number, suspension: Suspension, now: string): Promise<WriteResult> {
    const { kind } = suspension;
    return transition(this.table, tenant, id, kind === 'sleep' ? 'sleep' : 'wait', now, {
      attempt,
      step: suspension.step,
      set: { wake_at: suspension.wakeAt, suspended_step: suspension.step, sweep_at: suspension.sweepAt },
      raw: {
        sets: ['#steps.#step = :entry'],
        names: {},
        values: { ':entry': suspension.entry },
      },
      names: { '#steps': 'steps', '#step': suspension.step, ...(kind === 'sleep' ? {} : { '#stepStatus': 'status' }) },
      // A cancellation requested while running wins; a token settled before the wait began needs no wait;
      // a wait for children is new or goes on (never once it completed or timed out).
      condition:
        'attempts = :attempt AND (attribute_not_exists(cancel_requested) OR cancel_requested = :false)' +
        STEP_CONDITION[kind],
      conditionValues: {
        ':attempt': attempt,
        ':false': false,
        ...(kind === 'wait' ? { ':open': 'open' } : kind === 'children' ? { ':waitingStep': 'waiting' } : {}),
      },
    });
  }

  resume(tenant: string, id: string, resume: ResumeAttempt): Promise<WriteResult> {
    const sleep = resume.endsSleep;
    return transition(this.table, tenant, id, 'resume', resume.now, {
      attempt: resume.attempt,
      step: sleep,
      // Progress stays: the attempt goes on (the replayed run's lower reports are refused until it passes it).
      set: { attempts: resume.attempt, sweep_at: resume.sweepAt },
      remove: ['wake_at', 'suspended_step'],
      ...(sleep
        ? {
            raw: {
              sets: ['#steps.#step.#stepStatus = :completed', '#steps.#step.ended_at = :resumedAt'],
              names: { '#steps': 'steps', '#step': sleep, '#stepStatus': 'status' },
              values: { ':completed': 'completed', ':resumedAt': resume.now },
            },
          }
        : {}),
      // The same attempt resumes (its message carries its number); a later one if a resume's worker died.
      condition: 'attempts <= :attempt AND max_attempts >= :attempt AND wake_at <= :wakeUpTo',
      conditionValues: { ':attempt': resume.attempt, ':wakeUpTo': resume.wakeUpTo },
    });
  }
}
