import { clipMessage } from './task-storage';
import { TaskCanceledError } from './errors';
import type { Clock, TaskLifecycle } from './ports';

/** Writes at most about one progress update per interval: DynamoDB writes cost money, bars need ~1 Hz. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 1000;

/**
 * Progress of one attempt. Values never go backwards; writes are coalesced; every write returns
 * the record, so it doubles as the cancellation checkpoint at no extra read.
 */
export class ProgressReporter {
  private current = 0;
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Pick<TaskLifecycle, 'progress'>,
    private readonly clock: Clock,
    private readonly task: { tenant: string; id: string; attempt: number },
    private readonly onCancel: () => void,
    private readonly intervalMs = DEFAULT_PROGRESS_INTERVAL_MS,
  ) {}

  /** The highest progress reported so far in this attempt. */
  get value(): number {
    return this.current;
  }

  async report(percent: number, message?: string): Promise<void> {
    if (!Number.isFinite(percent)) throw new TypeError(`progress must be a finite number; got ${percent}`);
    this.current = Math.max(this.current, Math.min(100, Math.max(0, Math.round(percent * 100) / 100)));
    const now = this.clock.now();
    if (now.getTime() - this.lastWriteAt < this.intervalMs) return;
    this.lastWriteAt = now.getTime();
    const { tenant, id, attempt } = this.task;
    const written = await this.store.progress(
      tenant,
      id,
      attempt,
      this.current,
      message === undefined ? undefined : clipMessage(String(message)),
      now.toISOString(),
    );
    const task = written.ok ? written.task : written.current;
    // Canceled, or the record moved on without this attempt (e.g. a sweeper failed it): stop working.
    if (!task || task.cancel_requested || task.status !== 'running' || task.attempts !== attempt) {
      this.onCancel();
      throw new TaskCanceledError();
    }
  }
}
