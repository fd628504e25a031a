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
}
