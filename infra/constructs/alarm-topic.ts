import { Aws, Validations } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlarmDestination } from '../config';

export interface AlarmTopicProps {
  destination: AlarmDestination;
}

/** The SNS topic every Tasklane alarm notifies: an existing one by ARN, or a new TLS-only topic. */
export class AlarmTopic extends Construct {
  readonly topic: ITopic;
  /** Use as both alarm and OK action, so recoveries are announced too. */
  readonly action: IAlarmAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic =
      'topicArn' in props.destination
        ? Topic.fromTopicArn(this, 'Topic', props.destination.topicArn)
        : this.createTopic(props.destination.email);
    this.action = new SnsAction(this.topic);
  }

  private createTopic(email: string | undefined): Topic {
    // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS managed aws/sns key, and
    // alarm notifications carry metric names, not task data.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
    const topic = new Topic(this, 'Topic', { displayName: 'Tasklane alarms', enforceSSL: true });
    // A topic policy replaces SNS's default one, so CloudWatch alarms of this account are allowed explicitly.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    if (email) {
      const subscription = topic.addSubscription(new EmailSubscription(email));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          "E-mail subscription of the alarm topic: an undelivered notification leaves the alarm in ALARM state in the console and shows in the topic's NumberOfNotificationsFailed metric; a DLQ of alarm e-mails would need alarms of its own.",
      });
    }
    return topic;
  }
}
