import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChildEnd, ChildRecords, Clock, ReadOptions, WriteResult } from '../core/ports';
import type { Task } from '../core/task';
import { wakeWaitingTask } from './dynamo-token-store';
import { TaskTable } from './task-table';

/**
 * The parent's side of child tasks on DynamoDB (core/child-fan-in.ts): a child's end is one
 * conditional UpdateItem of the parent's spawn step (`steps.<name>`), returning the parent as it is
 * after it; the wake and the timeout are conditional on `wake_at` not being set yet.
 */
export class DynamoChildRecords implements ChildRecords {
  private readonly table: TaskTable;

  constructor(db: DynamoDBDocumentClient, tableName: string, clock: Clock) {
    this.table = new TaskTable(db, tableName, clock);
  }

  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined> {
    return this.table.get(tenant, id, options);
  }

  markChildEnded(
    tenant: string,
    parentId: string,
    step: string,
    childId: string,
    end: ChildEnd,
    now: string,
  ): Promise<WriteResult> {
    const sets = ['#steps.#step.#status = :ended', '#steps.#step.ended_at = :endedAt'];
    const values: Record<string, unknown> = { ':ended': end.status, ':endedAt': end.ended_at };
    if (end.error) {
      sets.push('#steps.#step.#error = :error');
      values[':error'] = end.error;
    }
    return this.table.update(tenant, parentId, now, {
      set: {},
      raw: { sets, names: end.error ? { '#error': 'error' } : {}, values },
      names: { '#steps': 'steps', '#step': step, '#taskId': 'task_id' },
      // Once per child; the step exists before its child does (a parent that expired is not recreated).
      condition: '#steps.#step.#taskId = :child AND #steps.#step.#status = :running',
      conditionValues: { ':child': childId, ':running': 'running' },
      feed: { kind: 'step', step },
    });
  }

  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult> {
    return wakeWaitingTask(this.table, tenant, id, step, sweepAt, now);
  }

  timeOutWait(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { wake_at: now, sweep_at: sweepAt },
      raw: {
        sets: ['#steps.#step.#stepStatus = :timedOut', '#steps.#step.ended_at = :now'],
        names: {},
        values: { ':timedOut': 'timed_out', ':now': now },
      },
      names: { '#steps': 'steps', '#step': step, '#stepStatus': 'status' },
      condition:
        '#status = :waiting AND suspended_step = :step AND attribute_not_exists(wake_at) AND #steps.#step.#stepStatus = :waitingStep',
      conditionValues: { ':waiting': 'waiting', ':step': step, ':waitingStep': 'waiting' },
      feed: { kind: 'step', step },
    });
  }
}
