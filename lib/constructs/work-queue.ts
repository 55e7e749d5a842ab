import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledgeDeadLetterQueue } from './nag.ts';

/** AWS's guidance for SQS event sources: visibility at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface WorkQueueProps {
  /** The consuming function's timeout; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /** Deliveries before a message moves to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
  /** How long an unprocessed message is kept. @default 4 days */
  readonly retentionPeriod?: Duration;
  /** How long a dead letter is kept for inspection and redrive. @default 14 days */
  readonly deadLetterRetentionPeriod?: Duration;
  /** Notified when the dead-letter alarm fires and when it recovers (see KitAlerts). @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Encrypts both queues with the stack's customer-managed key. @default SQS-managed encryption */
  readonly encryption?: KitEncryption;
}

/**
 * An SQS work queue with its dead-letter queue: SQS-managed encryption, TLS-only policy, a
 * visibility timeout derived from the consumer's timeout, and an alarm on the first dead letter
 * that notifies `alarmAction` when one is given.
 */
export class WorkQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 3;
    const encryption = queueEncryption(props.encryption);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    acknowledgeDeadLetterQueue(
      this.deadLetterQueue,
      'This is the dead-letter queue of the work queue beside it; its messages are recorded as dead-lettered tasks and retried or redriven from the task API',
    );
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      this.deadLetterQueue,
      'Messages reached the dead-letter queue: uploads that could not be processed after retries',
      props.alarmAction,
    );
  }
}

/** An alarm on a dead-letter queue's first message, notifying `action` (on ALARM and on OK) when given. */
export function deadLetterAlarm(scope: Construct, queue: sqs.IQueue, description: string, action?: cloudwatch.IAlarmAction): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (action) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarm;
}

/** The kit's queue encryption: the stack's key when it has one (data keys reused for 5 minutes), SQS-managed otherwise. */
export function queueEncryption(encryption: KitEncryption | undefined): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey' | 'dataKeyReuse'> {
  return encryption
    ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: encryption.key, dataKeyReuse: Duration.minutes(5) }
    : { encryption: sqs.QueueEncryption.SQS_MANAGED };
}
