/** Task events counted per type (CloudWatch metrics via EMF in AWS). */
export type TaskEvent = 'created' | 'started' | 'completed' | 'failed' | 'canceled' | 'retried';

/** The metrics the core emits; the adapter decides where they go. */
export interface TaskMetrics {
  count(event: TaskEvent, type: string): void;
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
