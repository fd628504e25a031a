import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface ThresholdAlarmProps {
  metric: Metric;
  /** Fires when one five-minute period reaches this value. */
  threshold: number;
  description: string;
  action: IAlarmAction;
}

/** Five-minute periods: fast enough to page on, slow enough not to flap. */
export const ALARM_PERIOD = Duration.minutes(5);

/** An alarm at or above a threshold that notifies on ALARM and on recovery; no data counts as healthy. */
export function thresholdAlarm(scope: Construct, id: string, props: ThresholdAlarmProps): Alarm {
  const alarm = new Alarm(scope, id, {
    metric: props.metric.with({ period: ALARM_PERIOD }),
    threshold: props.threshold,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    alarmDescription: props.description,
    // Lambda and API Gateway publish nothing while idle; idle is healthy.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(props.action);
  alarm.addOkAction(props.action);
  return alarm;
}
