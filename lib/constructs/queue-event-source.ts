import { type Duration, Names } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { KitEncryption } from './kit-encryption.ts';

export interface QueueEventSourceOptions {
  readonly batchSize: number;
  /** @default none */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations the queue may drive (2-1000). @default Lambda's own scaling */
  readonly maxConcurrency?: number;
  /** The stack's key, when the queue is encrypted with it. @default none */
  readonly encryption?: KitEncryption;
}

/**
 * A function consuming an SQS queue with partial batch failures, like aws-lambda-event-sources'
 * SqsEventSource but without its unconditioned kms:Decrypt on the queue's key: under the stack
 * key the role decrypts only through SQS (KitEncryption.grantUse, which KitFunction gives every
 * role). A queue under another key still gets that key's decrypt grant.
 */
export function addQueueEventSource(fn: lambda.IFunction, queue: sqs.IQueue, options: QueueEventSourceOptions): lambda.EventSourceMapping {
  // The id SqsEventSource gives its mapping, so logical ids stay as they were.
  const mapping = fn.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
    eventSourceArn: queue.queueArn,
    batchSize: options.batchSize,
    ...(options.maxBatchingWindow ? { maxBatchingWindow: options.maxBatchingWindow } : {}),
    ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
    reportBatchItemFailures: true,
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resources: [queue.queueArn],
    }),
  );
  if (queue.encryptionMasterKey && queue.encryptionMasterKey !== options.encryption?.key) queue.encryptionMasterKey.grantDecrypt(fn);
  return mapping;
}
