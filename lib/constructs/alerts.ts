import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { z } from 'zod';
import { acknowledgeInPacks } from './nag.ts';

/**
 * Where the kit's alarms notify (config `alerts`). Either an existing SNS topic — the usual case in
 * an account with an on-call integration — or an email address, for which the kit creates an
 * encrypted topic and the subscription (AWS emails a confirmation link before the first alert).
 */
export const alertsSchema = z
  .strictObject({
    /** An existing standard SNS topic in the stack's account and region. */
    topicArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
        'an SNS topic ARN, arn:aws:sns:<region>:<account>:<name> (a standard topic: CloudWatch cannot publish to FIFO topics)',
      )
      .optional(),
    /** An address that gets a new topic and an email subscription. */
    email: z.email('an email address').optional(),
  })
  .refine((alerts) => (alerts.topicArn === undefined) !== (alerts.email === undefined), {
    message: 'set exactly one of alerts.topicArn (an existing SNS topic) or alerts.email (a new topic with this subscriber)',
  });
export type AlertsConfig = z.infer<typeof alertsSchema>;

export interface KitAlertsProps {
  readonly config: AlertsConfig;
}

/**
 * The kit's alarm destination: one SNS topic and the CloudWatch action that publishes to it, so
 * every alarm in the stack (dead letters today, function errors and throttles next) shares it.
 * A created topic is encrypted with its own customer-managed key: CloudWatch cannot publish to a
 * topic under the AWS-managed SNS key, whose policy cannot grant it. An existing topic encrypted
 * with KMS needs that grant from its owner (cloudwatch.amazonaws.com: kms:Decrypt, kms:GenerateDataKey*).
 */
export class KitAlerts extends Construct {
  public readonly topic: sns.ITopic;
  /** Publishes an alarm's state change to the topic. */
  public readonly action: cloudwatch.IAlarmAction;
  /** The key of a topic this construct created; undefined for an existing topic. */
  public readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: KitAlertsProps) {
    super(scope, id);
    const { topicArn, email } = alertsSchema.parse(props.config);
    if (topicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', topicArn);
    } else {
      this.key = new kms.Key(this, 'Key', {
        description: 'serverless-media-kit alerts topic',
        enableKeyRotation: true,
        // The key only protects notifications in transit through SNS; nothing at rest outlives the topic.
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      // For this account's alarms only: CloudWatch passes the alarm's account as aws:SourceAccount (confused deputy).
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      const topic = new sns.Topic(this, 'Topic', {
        displayName: 'serverless-media-kit alerts',
        masterKey: this.key,
        enforceSSL: true,
      });
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(email!));
      acknowledgeInPacks(
        subscription,
        'SNSRedrivePolicy',
        ['serverless'],
        "An email subscription's undeliverable notifications (a bounced or unconfirmed address) would wait in a queue nobody reads: the alarm that sent them stays in its state in CloudWatch, and SNS counts the failures in the topic's NumberOfNotificationsFailed",
      );
      this.topic = topic;
    }
    this.action = new cwActions.SnsAction(this.topic);
  }

  /** Notifies the topic when each alarm fires and when it recovers. */
  notifyOn(...alarms: cloudwatch.Alarm[]): void {
    for (const alarm of alarms) {
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
    }
  }
}
