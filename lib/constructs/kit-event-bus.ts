import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KIT_EVENT_SOURCE } from '../../functions/shared/tasks/task-events.ts';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledge, acknowledgeDeadLetterQueue } from './nag.ts';
import { queueEncryption } from './work-queue.ts';

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
}

/** One line to act on kit events: a rule on the kit bus routing a pipeline's events to a function or queue. */
export class KitEventSubscription extends Construct {
  public readonly rule: events.Rule;
  /** Events the target could not take after EventBridge's retries. */
  public readonly deadLetterQueue: sqs.IQueue;

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
    this.deadLetterQueue = props.deadLetterQueue ?? this.ownDeadLetterQueue(props.encryption);
    const options = { deadLetterQueue: this.deadLetterQueue };
    const target = props.target;
    this.rule.addTarget('functionArn' in target ? new targets.LambdaFunction(target, options) : new targets.SqsQueue(target, options));
  }

  private ownDeadLetterQueue(encryption: KitEncryption | undefined): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', { ...queueEncryption(encryption), enforceSSL: true, retentionPeriod: Duration.days(14) });
    acknowledge(queue, 'AwsSolutions-SQS3', "This queue is itself the dead-letter queue of the subscription's rule target");
    acknowledgeDeadLetterQueue(queue, 'The end of the subscription: events its target could not take after EventBridge retried them wait here for inspection');
    return queue;
  }
}
