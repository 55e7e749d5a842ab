import * as s3 from 'aws-cdk-lib/aws-s3';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeNotificationsHandler } from './nag.ts';
import type { KitEncryption } from './kit-encryption.ts';
import { SecureBucket } from './secure-bucket.ts';

export interface KitStorageProps {
  /** Expire uploads this many days after they land. @default - uploads are kept */
  readonly ingestExpirationDays?: number;
  /** Expire results (renditions, manifests, failure records) after this many days. @default - kept */
  readonly resultsExpirationDays?: number;
  /** Expire overwritten result versions after this many days. @default 30 */
  readonly resultsNoncurrentVersionDays?: number;
  /** Expire S3 access logs after this many days. @default 90 */
  readonly accessLogExpirationDays?: number;
  /**
   * Publish the results bucket's object events to EventBridge: `Object Created` for a manifest is a
   * result, for `failures/…` a rejected input — what comes next subscribes with a rule.
   * @default true
   */
  readonly resultsEventBridge?: boolean;
  /** The ingest and results buckets use SSE-KMS with this key (the access-log bucket stays SSE-S3). @default SSE-S3 */
  readonly encryption?: KitEncryption;
}

/**
 * The storage every preset deploys, pipelines or not: an ingest bucket users upload to, a
 * versioned results bucket pipelines write to (never the ingest bucket, so outputs cannot
 * re-trigger a pipeline) and the access-log bucket both log into.
 */
export class KitStorage extends Construct {
  public readonly ingestBucket: s3.Bucket;
  public readonly resultsBucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: KitStorageProps = {}) {
    super(scope, id);
    // Log delivery through a bucket policy, not ACLs: the log bucket keeps ACLs disabled like the rest.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.accessLogsBucket = new SecureBucket(this, 'AccessLogs', {
      isAccessLogBucket: true,
      expireAfterDays: props.accessLogExpirationDays ?? 90,
    }).bucket;
    this.ingestBucket = new SecureBucket(this, 'Ingest', {
      accessLogsBucket: this.accessLogsBucket,
      encryption: props.encryption,
      expireAfterDays: props.ingestExpirationDays,
    }).bucket;
    this.resultsBucket = new SecureBucket(this, 'Results', {
      accessLogsBucket: this.accessLogsBucket,
      encryption: props.encryption,
      versioned: true,
      expireAfterDays: props.resultsExpirationDays,
      noncurrentVersionExpirationDays: props.resultsNoncurrentVersionDays ?? 30,
      eventBridgeEnabled: props.resultsEventBridge ?? true,
    }).bucket;
    acknowledgeNotificationsHandler(Stack.of(this));
  }
}
