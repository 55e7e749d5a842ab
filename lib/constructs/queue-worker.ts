import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EnvName } from '../../functions/shared/env-names.ts';
import type { KitEncryption } from './kit-encryption.ts';
import type { KitFunction } from './kit-function.ts';
import { addQueueEventSource } from './queue-event-source.ts';
import { QueueNotificationDestination } from './queue-notification.ts';
import { acknowledge, acknowledgeNotificationsHandler, acknowledgeQueueTriggered, prefixGrantFinding } from './nag.ts';
import { WorkQueue } from './work-queue.ts';

export interface QueueWorkerProps {
  /** The bucket uploads land in. */
  readonly bucket: s3.IBucket;
  /** Only objects created under this prefix are queued, e.g. 'uploads/'. */
  readonly prefix: string;
  readonly worker: KitFunction;
  /** Records per invocation. @default 5 */
  readonly batchSize?: number;
  /** How long Lambda gathers records before invoking. @default Duration.seconds(1) */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations this queue may drive (flow control, 2-1000). @default 10 */
  readonly maxConcurrency?: number;
  /** Deliveries before a message is dead-lettered. @default 3 */
  readonly maxReceiveCount?: number;
  /** Where the dead-letter alarm notifies (KitAlerts.action). @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Encrypts the work queue and its DLQ with the stack's customer-managed key. @default SQS-managed encryption */
  readonly encryption?: KitEncryption;
}

/**
 * S3 prefix notification → work queue (with DLQ) → function, the wiring every pipeline shares.
 * The function may read only the objects under the prefix it is notified for, and reports
 * partial batch failures so one bad record never redelivers its batch-mates. It may send to its
 * own work queue (deferred records) and nowhere else.
 */
export class QueueWorker extends Construct {
  public readonly workQueue: WorkQueue;
  public readonly eventSource: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id);
    const fn = props.worker.function;
    this.workQueue = new WorkQueue(this, 'WorkQueue', {
      consumerTimeout: props.worker.timeout,
      maxReceiveCount: props.maxReceiveCount,
      alarmAction: props.alarmAction,
      encryption: props.encryption,
    });

    props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new QueueNotificationDestination(this.workQueue.queue), {
      prefix: props.prefix,
    });
    this.eventSource = addQueueEventSource(fn, this.workQueue.queue, {
      batchSize: props.batchSize ?? 5,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      maxConcurrency: props.maxConcurrency ?? 10,
      encryption: props.encryption,
    });
    acknowledgeQueueTriggered(props.worker, `its work queue (uploads under '${props.prefix}')`);
    // A record the worker chose not to start for lack of time goes back as a fresh message (its
    // receive count restarts), so deferral never counts toward the DLQ: send to this queue only.
    fn.addEnvironment(EnvName.WORK_QUEUE_URL, this.workQueue.queue.queueUrl);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.workQueue.queue.queueArn] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.bucket.arnForObjects(`${props.prefix}*`)] }),
    );
    // Without ListBucket S3 answers 403 instead of 404 for a deleted upload, and the worker could not
    // tell a vanished source (permanent) from a permission problem. It lists key names, never contents.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }));

    acknowledge(
      props.worker.role,
      prefixGrantFinding(props.bucket, props.prefix),
      `Reads only the uploads under '${props.prefix}', the prefix this worker is notified for`,
    );
    acknowledgeNotificationsHandler(Stack.of(this));
  }
}
