import type { BackoffSettings } from './retry-policy';

/** Per-type settings: everything the worker, the CDK stack and the local stack derive per type. */
export interface TaskTypeSettings {
  /** Longest one attempt may run; also the worker Lambda's timeout. */
  timeoutSeconds: number;
  /** Attempts before the task fails and its message goes to the DLQ (SQS maxReceiveCount). */
  maxAttempts: number;
  backoff: BackoffSettings;
  /** Messages per worker invocation (event source mapping BatchSize). */
  batchSize: number;
  /** Concurrent worker invocations (event source mapping ScalingConfig.MaximumConcurrency, 2–1000). */
  maxConcurrency: number;
  /** Worker Lambda memory. */
  memoryMb: number;
  /**
   * Tasks with the same `concurrency_key` (of one tenant) running at once, at most; unset: the type
   * takes no `concurrency_key`. A delivery over the limit waits a few seconds, not counted as an attempt.
   */
  concurrencyPerKey?: number;
  /** Tasks of one tenant running at once, at most (unset: no per-tenant limit). */
  concurrencyPerTenant?: number;
}
