import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LifecycleMetric, TaskMetrics } from '../core/metrics';

export const METRICS_NAMESPACE = 'Tasklane';
/** One service name for every function, so the `service` dimension is the same wherever a metric comes from. */
export const METRICS_SERVICE = 'tasklane';

/** CloudWatch metric name of a lifecycle step, e.g. `TasksCompleted`; the CDK dashboard uses the same names. */
export function lifecycleMetricName(metric: LifecycleMetric): string {
  return `Tasks${metric[0]!.toUpperCase()}${metric.slice(1)}`;
}

export const ATTEMPT_DURATION_METRIC = 'AttemptDuration';
export const QUEUE_WAIT_METRIC = 'QueueWait';

/**
 * Task metrics as CloudWatch Embedded Metric Format log lines (Powertools Metrics), dimension
 * `TaskType`. Each value is flushed at once (singleMetric), so no invocation can lose them.
 */
export class PowertoolsTaskMetrics implements TaskMetrics {
  private readonly metrics: Metrics;

  constructor() {
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  }

  count(metric: LifecycleMetric, type: string): void {
    this.emit(type, lifecycleMetricName(metric), MetricUnit.Count, 1);
  }

  attemptDuration(type: string, milliseconds: number): void {
    this.emit(type, ATTEMPT_DURATION_METRIC, MetricUnit.Milliseconds, milliseconds);
  }

  queueWait(type: string, milliseconds: number): void {
    this.emit(type, QUEUE_WAIT_METRIC, MetricUnit.Milliseconds, Math.max(0, milliseconds));
  }

  private emit(type: string, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
    const single = this.metrics.singleMetric();
    single.addDimension('TaskType', type);
    single.addMetric(name, unit, value);
    single.publishStoredMetrics();
  }
}

export const OLDEST_WAITING_EVENT_AGE_METRIC = 'OldestWaitingEventAge';

/** Age of the oldest buffered event a flush saw (seconds); the stack alarms on it. */
export function reportOldestWaitingEventAge(seconds: number): void {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  metrics.addMetric(OLDEST_WAITING_EVENT_AGE_METRIC, MetricUnit.Seconds, seconds);
  metrics.publishStoredMetrics();
}

export const WEBHOOK_DELIVERIES_METRIC = 'WebhookDeliveries';

/** One webhook attempt's outcome (`delivered`, `retried`, `failed`), dimension `Outcome`. */
export function countWebhookDelivery(outcome: 'delivered' | 'retried' | 'failed'): void {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  metrics.addDimension('Outcome', outcome);
  metrics.addMetric(WEBHOOK_DELIVERIES_METRIC, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
