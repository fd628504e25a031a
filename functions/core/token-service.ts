import { timingSafeEqual } from 'node:crypto';
import { ConflictError, NotFoundError, PayloadTooLargeError } from './errors';
import { TASK_ID_PATTERN } from './ids';
import type { Clock, Log, TaskQueue, TokenOutcome, TokenRecords } from './ports';
import { STEP_LIMITS, unstorableStep } from './step-limits';
import { taskIdOfToken } from './step-tokens';
import { assertStorable } from './storable-json';
import { isTerminal, type Task } from './task';
import type { StepEntry } from './task-steps';
import { wakeWaiting } from './task-resume';

export interface TokenServiceDeps {
  tokens: TokenRecords;
  queue: TaskQueue;
  clock: Clock;
  log: Log;
}

/** What settling a token answers. */
export interface SettledToken {
  task_id: string;
  step: string;
  status: 'completed' | 'failed';
}

/**
 * POST /tokens/{token}/complete and /fail: settles a token once (409 after), for its own tenant
 * only (404 otherwise, as for an unknown token), and wakes the task if it is waiting for it.
 */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  complete(tenant: string, token: string, value: unknown): Promise<SettledToken> {
    assertStorable(value, 'value', STEP_LIMITS.resultBytes);
    const json = JSON.stringify(value ?? null);
    return this.settle(tenant, token, {
      status: 'completed',
      result: value ?? null,
      result_bytes: Buffer.byteLength(json, 'utf8'),
    });
  }

  fail(tenant: string, token: string, error: { name?: string; message: string }): Promise<SettledToken> {
    return this.settle(tenant, token, {
      status: 'failed',
      error: { name: error.name ?? 'TokenFailed', message: error.message },
    });
  }

  private async settle(tenant: string, token: string, outcome: TokenOutcome): Promise<SettledToken> {
    const { task, step, entry } = await this.find(tenant, token);
    if (isTerminal(task.status)) {
      throw new ConflictError('task_finished', `Task "${task.id}" already ended with status "${task.status}".`, {
        status: task.status,
      });
    }
    if (entry.status !== 'open' && entry.status !== 'waiting') throw settledConflict(step, entry);
    if (outcome.status === 'completed') {
      const unstorable = unstorableStep(task, step, { ...entry, status: 'completed', result: outcome.result });
      if (unstorable) {
        throw new PayloadTooLargeError(`value cannot be stored: ${unstorable.field} must be ${unstorable.rule}.`, [
          { field: 'value', rule: unstorable.rule },
        ]);
      }
    }
    const now = this.deps.clock.now().toISOString();
    const settled = await this.deps.tokens.settleToken(tenant, task.id, step, token, outcome, now);
    if (!settled.ok) {
      const current = settled.current?.steps?.[step];
      throw current ? settledConflict(step, current) : new NotFoundError('No such token.');
    }
    if (settled.task.status === 'waiting' && settled.task.suspended_step === step) {
      await wakeWaiting(this.deps, settled.task, step, now).catch((error: unknown) =>
        this.deps.log.warn('waking the task failed; the sweeper will', { task_id: task.id, error: String(error) }),
      );
    }
    return { task_id: task.id, step, status: outcome.status === 'completed' ? 'completed' : 'failed' };
  }

  /** The task and step of a token of this tenant; 404 for anything else, saying nothing about other tenants. */
  private async find(tenant: string, token: string): Promise<{ task: Task; step: string; entry: StepEntry }> {
    const taskId = taskIdOfToken(token);
    const task = taskId && TASK_ID_PATTERN.test(taskId) ? await this.deps.tokens.get(tenant, taskId) : undefined;
    const found = Object.entries(task?.steps ?? {}).find(
      ([, entry]) => entry.kind === 'token' && entry.token !== undefined && sameToken(entry.token, token),
    );
    if (!task || !found) throw new NotFoundError('No such token.');
    return { task, step: found[0], entry: found[1] };
  }
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function settledConflict(step: string, entry: StepEntry): ConflictError {
  return new ConflictError('token_settled', `Token "${step}" was already settled (${entry.status}).`, {
    status: entry.status,
  });
}
