import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * S3 object notifications to an SQS queue, like aws-s3-notifications' SqsDestination but without
 * writing the key policy: with a stack key, SqsDestination grants S3 on the key by the bucket's
 * ARN, and key → bucket → key is a cycle CloudFormation cannot deploy. KitEncryption's key policy
 * admits S3 for this account's buckets instead; the queue policy here still names the bucket.
 */
export class QueueNotificationDestination implements s3.IBucketNotificationDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const result = this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
        },
      }),
    );
    // S3 validates the destination when the notification is configured: the policy must exist first.
    return { arn: this.queue.queueArn, type: s3.BucketNotificationDestinationType.QUEUE, dependencies: result.policyDependable ? [result.policyDependable] : [this.queue] };
  }
}
