import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { describe, it } from 'vitest';
import type { AlarmDestination } from '../../../infra/config';
import { AlarmTopic } from '../../../infra/constructs/alarm-topic';

function templateOf(destination: AlarmDestination): Template {
  const stack = new Stack(new App(), 'Stack');
  new AlarmTopic(stack, 'Alarms', { destination });
  return Template.fromStack(stack);
}

describe('AlarmTopic', () => {
  it('creates a topic that refuses publishing without TLS', () => {
    const template = templateOf({});

    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms of this account publish to the new topic', () => {
    const template = templateOf({});

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('subscribes the configured e-mail address', () => {
    const template = templateOf({ email: 'ops@example.com' });

    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('creates no subscription without an e-mail address', () => {
    const template = templateOf({});

    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('notifies an existing topic by ARN and creates none', () => {
    // Prepare
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const stack = new Stack(new App(), 'Stack');
    const alarms = new AlarmTopic(stack, 'Alarms', { destination: { topicArn } });

    // Act
    new Alarm(stack, 'Alarm', {
      metric: new Metric({ namespace: 'Test', metricName: 'Test' }),
      threshold: 1,
      evaluationPeriods: 1,
    }).addAlarmAction(alarms.action);

    // Assess
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicArn] });
  });
});
