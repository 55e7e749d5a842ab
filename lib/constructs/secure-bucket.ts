import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledge, acknowledgeInPacks } from './nag.ts';

export interface SecureBucketProps {
  /**
   * Where S3 server access logs go. Required for every bucket but the log bucket itself.
   * @default - no access logs (only valid with `isAccessLogBucket: true`)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /** @default - the construct id followed by '/' */
  readonly accessLogsPrefix?: string;
  /**
   * Marks the bucket that receives access logs: it cannot log to itself, and S3 log delivery
   * supports only SSE-S3 on its target.
   * @default false
   */
  readonly isAccessLogBucket?: boolean;
  /** Keep object versions (results live here). @default false */
  readonly versioned?: boolean;
  /**
   * Expire current objects this many days after creation (derived data, ingest copies, logs).
   * @default - objects are kept
   */
  readonly expireAfterDays?: number;
  /** Expire noncurrent versions after this many days (versioned buckets). @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Abort incomplete multipart uploads after this many days. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Publish object events to EventBridge's default bus, for consumers outside the kit. @default false */
  readonly eventBridgeEnabled?: boolean;
  /** @default RemovalPolicy.RETAIN: media and results outlive a stack deletion unless you say so */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * SSE-KMS with the stack's customer-managed key and S3 bucket keys (one data key per bucket
   * for a while, not one KMS request per object). Not for the access-log bucket: S3 delivers
   * server access logs only to SSE-S3 buckets.
   * @default SSE-S3
   */
  readonly encryption?: KitEncryption;
}

/**
 * An S3 bucket with the kit's secure defaults in one place: public access blocked, TLS 1.2+ only,
 * SSE-S3 encryption, bucket-owner-enforced ownership (no ACLs), access logs, lifecycle rules.
 */
export class SecureBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    if (props.isAccessLogBucket && props.encryption) {
      throw new Error(`SecureBucket ${id}: the access-log bucket must use SSE-S3 (S3 cannot deliver server access logs to an SSE-KMS bucket)`);
    }
    if (!props.isAccessLogBucket && !props.accessLogsBucket) {
      throw new Error(`SecureBucket ${id}: accessLogsBucket is required (only the access-log bucket may omit it)`);
    }
    const lifecycleRules: s3.LifecycleRule[] = [
      {
        id: 'abort-incomplete-multipart',
        abortIncompleteMultipartUploadAfter: Duration.days(props.abortIncompleteMultipartUploadDays ?? 7),
      },
    ];
    if (props.expireAfterDays !== undefined) {
      lifecycleRules.push({ id: 'expire-objects', expiration: Duration.days(props.expireAfterDays) });
    }
    if (props.versioned) {
      lifecycleRules.push({
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 30),
      });
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...(props.encryption
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryption.key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      eventBridgeEnabled: props.eventBridgeEnabled ?? false,
      lifecycleRules,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? (props.accessLogsPrefix ?? `${id}/`) : undefined,
    });
    acknowledgeInPacks(
      this.bucket,
      'S3BucketReplicationEnabled',
      ['nist', 'hipaa'],
      'The kit is single-region: cross-region replication doubles storage and needs a destination bucket and role in another region, which is the account\'s disaster-recovery design; add a replication rule to this bucket where required',
    );
    if (!props.versioned) {
      acknowledgeInPacks(
        this.bucket,
        'S3BucketVersioningEnabled',
        ['nist', 'hipaa'],
        props.isAccessLogBucket
          ? 'Access logs are written once by S3 log delivery and expire by lifecycle; nothing overwrites them'
          : 'Uploads are inputs: overwriting a key is a new upload and a new task (reads are pinned to the event\'s eTag), and results, which are versioned, record what came from which upload',
      );
    }
    if (props.isAccessLogBucket) {
      acknowledgeInPacks(
        this.bucket,
        'S3DefaultEncryptionKMS',
        ['nist', 'hipaa'],
        'S3 server access log delivery supports only SSE-S3 on its target bucket; the buckets whose access it logs use the stack key',
      );
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'This is the access-log bucket: logging it into itself would loop; CloudTrail data events cover it where required',
      );
    }
  }
}
