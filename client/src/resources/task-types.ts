import type { CallOptions, Transport } from '../transport';
import type { TaskRedriveReport, TaskTypeInfo } from '../types';

/** The registered task types, and their dead-letter queues. */
export class TaskTypeAdmin {
  constructor(private readonly transport: Transport) {}

  /** GET /task-types: every type with its payload's JSON Schema, attempts, timeout and DLQ depth. */
  async list(options?: CallOptions): Promise<TaskTypeInfo[]> {
    const body = await this.transport.json<{ items: TaskTypeInfo[] }>(
      { method: 'GET', path: 'task-types', retrySafe: true },
      options,
    );
    return body.items;
  }

  /**
   * POST /task-types/{type}/redrive: reruns the tenant's tasks in the type's DLQ, up to 500 messages
   * a call; call again while `more` is true. Not retried after an unknown outcome: a repeat would
   * move the next messages, which is the caller's decision.
   */
  redrive(type: string, options?: CallOptions): Promise<TaskRedriveReport> {
    return this.transport.json<TaskRedriveReport>(
      { method: 'POST', path: `task-types/${encodeURIComponent(type)}/redrive`, retrySafe: false },
      options,
    );
  }
}
