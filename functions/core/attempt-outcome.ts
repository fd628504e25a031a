/** What the queue adapter does with the message after an attempt. */
export type AttemptOutcome =
  /** Delete the message: the task finished (or expired unstarted), or the delivery was a duplicate. */
  | {
      kind: 'ack';
      /** `suspended`: the run slept or waits for a token; the sweeper or the token's settling sends the next message. */
      reason: 'completed' | 'canceled' | 'failed' | 'expired' | 'duplicate' | 'not_found' | 'suspended';
    }
  /**
   * A delayed task's message came before its run_at, or its concurrency limit is reached: send a new
   * message with this delay and delete this one (a fresh message, so the delivery counts neither as
   * an attempt nor toward the DLQ).
   */
  | { kind: 'defer'; delaySeconds: number; overLimit?: true }
  /** Keep the message and make it visible again after the backoff delay. */
  | { kind: 'retry'; delaySeconds: number }
  /** Retries are exhausted and the task is marked failed: keep the message so redrive moves it to the DLQ. */
  | { kind: 'dead_letter' };
