/**
 * Delivery settings of the webhook queue and worker, in the shape of a task type's settings so the
 * CDK stack builds the webhook queue, DLQ, worker and alarms the same way.
 */
export const WEBHOOK_DELIVERY = {
  /** How long one delivery may wait for the receiver. */
  requestTimeoutMs: 15_000,
  /**
   * The task worker's own first try, right after the task ends (direct-delivery.ts): a short wait, as
   * it holds the worker; a slower receiver gets the webhook worker's full timeout on the retry.
   */
  direct: {
    timeoutMs: 3_000,
    /** Kept back from the invocation's time left, for the write or the queue send that follows the try. */
    reserveMs: 1_000,
    /** Below this much time for the request, no first try: the webhook goes straight to the queue. */
    minTimeoutMs: 500,
  },
  settings: {
    // Room for the request timeout plus DNS and the record update.
    timeoutSeconds: 30,
    // About a day of retries with the backoff below before the message goes to the DLQ.
    maxAttempts: 12,
    backoff: { baseSeconds: 10, capSeconds: 4 * 3600 },
    batchSize: 10,
    maxConcurrency: 20,
    memoryMb: 256,
  },
  /**
   * Longest Retry-After honoured; beyond it the normal backoff applies. The last minutes of it are
   * longer than SQS can keep a message hidden: those retries are the sweeper's (see deliver.ts).
   */
  maxRetryAfterSeconds: 12 * 3600,
} as const;

/** The webhook queue in the shape the queue builders (CDK and local) take. */
export const WEBHOOK_QUEUE = { name: 'webhooks', settings: WEBHOOK_DELIVERY.settings };
