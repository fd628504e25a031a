import { Aws, CfnOutput } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IWidget, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import {
  ATTEMPT_DURATION_METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  QUEUE_WAIT_METRIC,
  WEBHOOK_DELIVERIES_METRIC,
  lifecycleMetricName,
} from '../../functions/adapters/powertools-metrics';
import type { LifecycleMetric } from '../../functions/core/metrics';
import { Construct } from 'constructs';
import type { TasklaneApi } from './api';
import type { TaskTypeQueue } from './task-type-queue';

export interface TasklaneDashboardProps {
  api: TasklaneApi;
  /** One row each, in registry order. */
  taskTypes: readonly TaskTypeQueue[];
  /** The webhook delivery queue and worker: a row of its own. */
  webhooks: TaskTypeQueue;
}

/** Four graphs of six columns fill one row of the 24-column dashboard grid. */
const WIDTH = 6;
const HEIGHT = 6;

function graph(title: string, left: Metric[], right: Metric[] = []): GraphWidget {
  return new GraphWidget({ title, left, right, width: WIDTH, height: HEIGHT });
}

/** A CloudWatch dashboard with a row for the API and a row per task type, generated from the registry. */
export class TasklaneDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TasklaneDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard');
    this.dashboard.addWidgets(...apiRow(props.api));
    for (const taskType of props.taskTypes) this.dashboard.addWidgets(...taskTypeRow(taskType));
    this.dashboard.addWidgets(...webhookRow(props.webhooks));

    new CfnOutput(this, 'Url', {
      description: 'CloudWatch dashboard of the API and every task type',
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`,
    }).overrideLogicalId('DashboardUrl');
  }
}

function apiRow(api: TasklaneApi): IWidget[] {
  const { httpApi, handler } = api;
  return [
    new TextWidget({ markdown: '## API', width: 24, height: 1 }),
    graph('Requests', [httpApi.metricCount({ statistic: 'Sum' })]),
    graph('Errors', [httpApi.metricClientError({ statistic: 'Sum' }), httpApi.metricServerError({ statistic: 'Sum' })]),
    graph(
      'Latency (p50, p99)',
      [httpApi.metricLatency({ statistic: 'p50' }), httpApi.metricLatency({ statistic: 'p99' })],
      [httpApi.metricIntegrationLatency({ statistic: 'p99' })],
    ),
    graph('API function errors and throttles', [
      handler.fn.metricErrors({ statistic: 'Sum' }),
      handler.fn.metricThrottles({ statistic: 'Sum' }),
    ]),
  ];
}

/** A metric the functions emit in Embedded Metric Format, with the same dimensions they use. */
function taskMetric(typeName: string, metricName: string, statistic: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRICS_SERVICE, TaskType: typeName },
    statistic,
  });
}

const OUTCOMES: LifecycleMetric[] = ['created', 'completed', 'failed', 'canceled', 'retried'];

function webhookRow({ queue, deadLetterQueue, worker }: TaskTypeQueue): IWidget[] {
  const outcome = (name: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: WEBHOOK_DELIVERIES_METRIC,
      dimensionsMap: { service: METRICS_SERVICE, Outcome: name },
      statistic: 'Sum',
    });
  return [
    new TextWidget({ markdown: '## Webhooks', width: 24, height: 1 }),
    graph('Deliveries by outcome', ['delivered', 'retried', 'failed'].map(outcome)),
    graph(
      'Queue depth and age of oldest (s)',
      [queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })],
      [queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' })],
    ),
    graph('Dead-letter queue depth', [
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
    ]),
    graph(
      'Worker errors and duration (p99)',
      [worker.fn.metricErrors({ statistic: 'Sum' })],
      [worker.fn.metricDuration({ statistic: 'p99' })],
    ),
  ];
}

function taskTypeRow(taskType: TaskTypeQueue): IWidget[] {
  const { queue, deadLetterQueue, worker } = taskType;
  const name = taskType.typeName;
  return [
    new TextWidget({ markdown: `## Task type \`${taskType.typeName}\``, width: 24, height: 1 }),
    graph(
      'Queue depth and age of oldest (s)',
      [
        queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        queue.metricApproximateNumberOfMessagesNotVisible({ statistic: 'Maximum' }),
      ],
      [queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' })],
    ),
    graph('Dead-letter queue depth', [
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
    ]),
    graph('Worker invocations, errors, throttles', [
      worker.fn.metricInvocations({ statistic: 'Sum' }),
      worker.fn.metricErrors({ statistic: 'Sum' }),
      worker.fn.metricThrottles({ statistic: 'Sum' }),
    ]),
    graph('Worker duration (p50, p99)', [
      worker.fn.metricDuration({ statistic: 'p50' }),
      worker.fn.metricDuration({ statistic: 'p99' }),
    ]),
    graph(
      'Tasks by outcome',
      OUTCOMES.map((metric) => taskMetric(name, lifecycleMetricName(metric), 'Sum')),
    ),
    graph('Attempt duration (p50, p99)', [
      taskMetric(name, ATTEMPT_DURATION_METRIC, 'p50'),
      taskMetric(name, ATTEMPT_DURATION_METRIC, 'p99'),
    ]),
    graph('Queue wait (p50, p99)', [
      taskMetric(name, QUEUE_WAIT_METRIC, 'p50'),
      taskMetric(name, QUEUE_WAIT_METRIC, 'p99'),
    ]),
  ];
}
