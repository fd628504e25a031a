import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, ReadOptions, TokenOutcome, TokenRecords, WriteResult } from '../core/ports';
import { TERMINAL_STATUSES, type Task } from '../core/task';
import { TaskTable, statusIn } from './task-table';

/** Settling is refused once the task has ended: terminal states are final. */
const NOT_ENDED = statusIn('ended', TERMINAL_STATUSES);

/**
 * The tokens of tasks waiting on DynamoDB: each lives in its step entry on the task record
 * (`steps.<name>.token`), so settling one is a single conditional UpdateItem of that entry.
 */
export class DynamoTokenStore implements TokenRecords {
  private readonly table: TaskTable;

  constructor(db: DynamoDBDocumentClient, tableName: string, clock: Clock) {
    this.table = new TaskTable(db, tableName, clock);
  }

  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined> {
    return this.table.get(tenant, id, options);
  }

  settleToken(
    tenant: string,
    id: string,
    step: string,
    token: string,
    outcome: TokenOutcome,
    now: string,
  ): Promise<WriteResult> {
    const values: Record<string, unknown> = { ':settled': outcome.status, ':endedAt': now };
    const names: Record<string, string> = {};
    const sets = ['#steps.#step.#stepStatus = :settled', '#steps.#step.ended_at = :endedAt'];
    if (outcome.status === 'completed') {
      sets.push('#steps.#step.#result = :result', '#steps.#step.result_bytes = :bytes');
      Object.assign(values, { ':result': outcome.result ?? null, ':bytes': outcome.result_bytes });
      names['#result'] = 'result';
    } else if (outcome.status === 'failed') {
      sets.push('#steps.#step.#error = :error');
      values[':error'] = outcome.error;
      names['#error'] = 'error';
    }
    return this.table.update(tenant, id, now, {
      set: {},
      raw: { sets, names, values },
      names: { '#steps': 'steps', '#step': step, '#stepStatus': 'status', '#token': 'token' },
      condition: `#steps.#step.#token = :token AND #steps.#step.#stepStatus IN (:open, :waiting) AND NOT ${NOT_ENDED.condition}`,
      conditionValues: { ':token': token, ':open': 'open', ':waiting': 'waiting', ...NOT_ENDED.values },
      feed: { kind: 'step', step },
    });
  }

  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult> {
    return wakeWaitingTask(this.table, tenant, id, step, sweepAt, now);
  }
}

/** Makes a task waiting on `step` due now: the write only the first waker wins (`wake_at` not yet set). */
export function wakeWaitingTask(
  table: TaskTable,
  tenant: string,
  id: string,
  step: string,
  sweepAt: string,
  now: string,
): Promise<WriteResult> {
  return table.update(tenant, id, now, {
    set: { wake_at: now, sweep_at: sweepAt },
    condition: '#status = :waiting AND suspended_step = :step AND attribute_not_exists(wake_at)',
    conditionValues: { ':waiting': 'waiting', ':step': step },
  });
}
