import type { TaskTypeDefinition } from './task-type';

/**
 * Queue settings derived from a task type. The CDK stack and the local stack both use these,
 * so the numbers cannot drift between AWS and the laptop.
 */
export function queueSettings(type: Pick<TaskTypeDefinition, 'name' | 'settings'>) {
  return {
    queueName: `tasklane-${type.name}`,
    dlqName: `tasklane-${type.name}-dlq`,
    // 6 × function timeout: AWS guidance for SQS event sources. It covers a received batch until our
    // code runs (Lambda may throttle or retry the invocation first):
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    visibilityTimeoutSeconds: 6 * type.settings.timeoutSeconds,
    // Once an attempt has started, the worker shortens its message's visibility to this: the invocation
    // ends within the function timeout, and the 30 s cover the event source mapping deleting the message
    // after a full-length attempt. A worker that crashes or times out is retried this long after its
    // attempt started, not 6 × timeout after the receive.
    attemptVisibilitySeconds: type.settings.timeoutSeconds + 30,
    // One receive per attempt: after maxAttempts deliveries the next receive moves the message to the DLQ.
    maxReceiveCount: type.settings.maxAttempts,
    queueRetentionSeconds: 4 * 86_400,
    // The DLQ keeps messages longer than the queue does, so nothing expires before it can be replayed.
    dlqRetentionSeconds: 14 * 86_400,
  };
}
