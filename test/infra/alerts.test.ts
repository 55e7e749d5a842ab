import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../lib/app.ts';
import { KitAlerts } from '../../lib/constructs/alerts.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';
import { resources, synthKit } from './synth.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:on-call';

function deadLetterAlarm(template: Template) {
  const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) =>
    String(a.Properties.AlarmDescription).includes('dead-letter queue'),
  );
  expect(alarms).toHaveLength(1);
  return alarms[0]!.Properties;
}

describe('alerts: config', () => {
  it.each([
    [{}, /set exactly one of alerts.topicArn .* or alerts.email/],
    [{ topicArn: TOPIC_ARN, email: 'ops@example.com' }, /set exactly one of/],
    [{ topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' }, /alerts.topicArn: an SNS topic ARN/],
    [{ topicArn: `${TOPIC_ARN}.fifo` }, /CloudWatch cannot publish to FIFO topics/],
    [{ email: 'not-an-address' }, /alerts.email: an email address/],
    [{ email: 'ops@example.com', phone: '+1' }, /alerts.phone: unknown field/],
  ])('refuses %j with a message naming the field', (alerts, message) => {
    expect(() => loadKitConfig({ preset: 'entertainment', override: { alerts } })).toThrow(message);
  });
});

describe('alerts: wiring', () => {
  it('leaves the dead-letter alarm without actions and creates no topic when alerts is not set', () => {
    const { template } = synthKit('entertainment');
    template.resourceCountIs('AWS::SNS::Topic', 0);
    const alarm = deadLetterAlarm(template);
    expect(alarm.AlarmActions).toBeUndefined();
    expect(alarm.OKActions).toBeUndefined();
  });

  it('notifies an existing topic on alarm and on recovery, creating nothing', () => {
    const { template } = synthKit('entertainment', { alerts: { topicArn: TOPIC_ARN } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const alarm = deadLetterAlarm(template);
    expect(alarm.AlarmActions).toEqual([TOPIC_ARN]);
    expect(alarm.OKActions).toEqual([TOPIC_ARN]);
  });

  it('creates an encrypted, TLS-only topic with an email subscription that the alarm notifies', () => {
    const { template } = synthKit('entertainment', { alerts: { email: 'ops@example.com' } });
    const [topicId] = Object.keys(resources(template, 'AWS::SNS::Topic'));
    const [keyId] = Object.keys(resources(template, 'AWS::KMS::Key'));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarm = deadLetterAlarm(template);
    expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
  });

  it.each([{ email: 'ops@example.com' }, { topicArn: TOPIC_ARN }])('is cdk-nag clean (AwsSolutions and Serverless) on the all preset with %j', (alerts) => {
    const { stack } = synthKit('all', { alerts }, { nag: false });
    for (const pack of nagPacks(new App())) expect(pack.validateScope(stack).violations, pack.readPackName).toEqual([]);
  });

  it('hands any alarm the same action, for the alarms still to come', () => {
    const stack = new Stack();
    const alerts = new KitAlerts(stack, 'Alerts', { config: { topicArn: TOPIC_ARN } });
    const errors = new cloudwatch.Alarm(stack, 'Errors', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'Errors', period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    alerts.notifyOn(errors);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [TOPIC_ARN], OKActions: [TOPIC_ARN] });
  });
});
