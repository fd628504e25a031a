/**
 * Lifecycle steps counted per task type (CloudWatch metrics via EMF in AWS). Not the SSE `TaskEvent`
 * of core/task-events.ts: these are metric names.
 */
export type LifecycleMetric = 'created' | 'started' | 'completed' | 'failed' | 'canceled' | 'retried';

/** The metrics the core emits; the adapter decides where they go. */
export interface TaskMetrics {
  count(metric: LifecycleMetric, type: string): void;
  /** How long one attempt ran. */
  attemptDuration(type: string, milliseconds: number): void;
  /** How long a message waited in the queue before this delivery. */
  queueWait(type: string, milliseconds: number): void;
}

export const noMetrics: TaskMetrics = {
  count: () => undefined,
  attemptDuration: () => undefined,
  queueWait: () => undefined,
};
