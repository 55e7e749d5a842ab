import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KIT_EVENT_SOURCE } from '../../functions/shared/tasks/task-events.ts';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledge, acknowledgeDeadLetterQueue } from './nag.ts';
import { deadLetterAlarm, queueEncryption } from './work-queue.ts';

export interface KitEventBusProps {
  /** @default 'media-kit' */
  readonly busName?: string;
}

/** The kit's EventBridge bus: task state changes and pipeline events, source `media-kit`. */
export class KitEventBus extends Construct {
  public readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: KitEventBusProps = {}) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? 'media-kit' });
  }
}

export interface KitEventSubscriptionProps {
  readonly bus: events.IEventBus;
  /** Only this pipeline's events. @default every pipeline */
  readonly pipeline?: string;
  /** Detail-types to receive, e.g. ['Task Failed', 'Moderation Verdict']. @default every kit event */
  readonly detailTypes?: readonly string[];
  /** A function (invoked asynchronously, with retries) or a queue. */
  readonly target: lambda.IFunction | sqs.IQueue;
  /**
   * Where an event goes when the target cannot take it after EventBridge's retries (EventBridge
   * would otherwise drop it).
   * @default a new queue of this subscription's own, kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Encrypts the dead-letter queue this construct creates with the stack's key. @default SQS-managed encryption */
  readonly encryption?: KitEncryption;
  /** Where the alarm on the dead-letter queue this construct creates notifies (`stack.alerts?.action`). @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** One line to act on kit events: a rule on the kit bus routing a pipeline's events to a function or queue. */
export class KitEventSubscription extends Construct {
  public readonly rule: events.Rule;
  /** Events the target could not take after EventBridge's retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The alarm on {@link deadLetterQueue} when this construct created it. */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: KitEventSubscriptionProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `serverless-media-kit: ${props.detailTypes?.join(', ') ?? 'every event'} of ${props.pipeline ?? 'every pipeline'}`,
      eventPattern: {
        source: [KIT_EVENT_SOURCE],
        ...(props.detailTypes ? { detailType: [...props.detailTypes] } : {}),
        ...(props.pipeline ? { detail: { pipeline: [props.pipeline] } } : {}),
      },
    });
    if (props.deadLetterQueue) {
      this.deadLetterQueue = props.deadLetterQueue;
    } else {
      this.deadLetterQueue = this.ownDeadLetterQueue(props.encryption);
      this.deadLetterAlarm = deadLetterAlarm(this, this.deadLetterQueue, `Kit events the subscription ${this.node.path} could not deliver after EventBridge's retries`, props.alarmAction);
    }
    const options = { deadLetterQueue: this.deadLetterQueue };
    const target = props.target;
    if ('functionArn' in target) this.rule.addTarget(new targets.LambdaFunction(target, options));
    else this.rule.addTarget(new targets.SqsQueue(target.encryptionMasterKey ? this.encryptedQueueTarget(target) : target, options));
  }

  /**
   * For a queue under a KMS key, aws-cdk-lib's SqsQueue target drops the queue policy's
   * aws:SourceArn condition (and writes an unconditioned key-policy grant) to avoid a reference
   * cycle: any rule could then send to the queue. The target gets a key-less view of the queue,
   * and the queue's own policy admits this rule only; the key admits EventBridge for this
   * account's rules (KitEncryption).
   */
  private encryptedQueueTarget(queue: sqs.IQueue): sqs.IQueue {
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );
    return sqs.Queue.fromQueueAttributes(this, 'TargetQueue', { queueArn: queue.queueArn, queueUrl: queue.queueUrl, queueName: queue.queueName });
  }

  private ownDeadLetterQueue(encryption: KitEncryption | undefined): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', { ...queueEncryption(encryption), enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(queue, 'AwsSolutions-SQS3', "This queue is itself the dead-letter queue of the subscription's rule target");
    acknowledgeDeadLetterQueue(queue, 'The end of the subscription: events its target could not take after EventBridge retried them wait here for inspection');
    return queue;
  }
}
