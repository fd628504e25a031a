import type { TaskTypeDefinition } from './definition';

/**
 * Queue settings derived from a task type. The CDK stack and the local stack both use these,
 * so the numbers cannot drift between AWS and the laptop.
 */
export function queueSettings(type: Pick<TaskTypeDefinition, 'name' | 'settings'>) {
  return {
    queueName: `tasklane-${type.name}`,
    dlqName: `tasklane-${type.name}-dlq`,
    // 6 × function timeout: AWS guidance for SQS event sources
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    visibilityTimeoutSeconds: 6 * type.settings.timeoutSeconds,
    // One receive per attempt: after maxAttempts deliveries the next receive moves the message to the DLQ.
    maxReceiveCount: type.settings.maxAttempts,
    queueRetentionSeconds: 4 * 86_400,
    // The DLQ keeps messages longer than the queue does, so nothing expires before it can be replayed.
    dlqRetentionSeconds: 14 * 86_400,
  };
}
