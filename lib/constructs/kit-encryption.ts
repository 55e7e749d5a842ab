import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { z } from 'zod';

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

/**
 * Config `encryption`: `{ kms: true }` gives the stack its own customer-managed key (rotated
 * yearly); `{ kms: '<key ARN>' }` uses an existing one; `{ kms: false }` keeps AWS-managed
 * encryption (SSE-S3, SQS-managed, DynamoDB-owned), which costs nothing.
 */
export const encryptionConfigSchema = z.strictObject({
  /** @default false */
  kms: z
    .union([z.boolean(), z.string().regex(KMS_KEY_ARN, 'a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)')])
    .default(false),
});
export type EncryptionConfig = z.infer<typeof encryptionConfigSchema>;
export const ENCRYPTION_DEFAULTS: EncryptionConfig = encryptionConfigSchema.parse({});

export interface KitEncryptionProps {
  /** `true` for a new key, or the ARN of an existing one. */
  readonly kms: true | string;
}

/**
 * The stack's customer-managed key and who may use it. Buckets, queues, dead-letter queues,
 * tables and log groups take {@link key}; principals get it through {@link grantUse}, which
 * allows data-key operations only as called by the services the kit stores data in.
 */
export class KitEncryption extends Construct {
  public readonly key: kms.IKey;
  /** The key this construct created; undefined for an existing key. */
  public readonly createdKey?: kms.Key;

  /** The stack's encryption for a config, or undefined when KMS is off. */
  static fromConfig(scope: Construct, id: string, config: EncryptionConfig): KitEncryption | undefined {
    return config.kms === false ? undefined : new KitEncryption(scope, id, { kms: config.kms });
  }

  constructor(scope: Construct, id: string, props: KitEncryptionProps) {
    super(scope, id);
    if (props.kms === true) {
      this.createdKey = new kms.Key(this, 'Key', {
        description: `serverless-media-kit data key (${Stack.of(this).stackName})`,
        enableKeyRotation: true,
        // Data encrypted under it (results, task history, ledgers) is retained; so is the key.
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
      });
      this.key = this.createdKey;
      this.allowLogsService(this.createdKey);
      this.allowQueueDeliveries(this.createdKey, 'S3NotificationsOfThisAccount', 's3.amazonaws.com', { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } });
      // No source condition: none is documented for the KMS calls SQS makes for an EventBridge
      // delivery, and one that is not evaluated as expected would drop every event silently. Who
      // may send stays with the queue policies, which name the rule (KitEventSubscription).
      this.allowQueueDeliveries(this.createdKey, 'EventBridgeRuleDeliveries', 'events.amazonaws.com');
    } else {
      this.key = kms.Key.fromKeyArn(this, 'Key', props.kms);
    }
  }

  /**
   * Lets a principal encrypt and decrypt data under the key, but only in requests S3, SQS or
   * DynamoDB make for it (kms:ViaService): reading and writing the kit's objects, messages and
   * items, never calling KMS directly on other data. The services' own policies still decide
   * which objects, queues and tables.
   */
  grantUse(grantee: iam.IGrantable): iam.Grant {
    return this.grantThrough(grantee, DATA_KEY_ACTIONS, VIA_SERVICES);
  }

  /** Lets a principal read objects encrypted under the key, through S3 only (reviewers of quarantined uploads). */
  grantReadThroughS3(grantee: iam.IGrantable): iam.Grant {
    return this.grantThrough(grantee, ['kms:Decrypt'], ['s3']);
  }

  private grantThrough(grantee: iam.IGrantable, actions: readonly string[], services: readonly string[]): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': services.map((service) => `${service}.${stack.region}.${stack.urlSuffix}`) } },
    });
  }

  /**
   * A service that writes into the kit's encrypted queues: SQS asks KMS for a data key on its
   * behalf. S3 sends object notifications to the work queues (QueueNotificationDestination; the
   * queue policy names the bucket); EventBridge delivers rule targets into the leaderboard's queue
   * and the dead-letter queues of rule targets (their queue policies name the rule).
   */
  private allowQueueDeliveries(key: kms.Key, sid: string, service: 's3.amazonaws.com' | 'events.amazonaws.com', conditions?: Record<string, unknown>): void {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }

  /**
   * CloudWatch Logs encrypts log groups with the key itself (not on a caller's behalf), so the key
   * policy names the regional service — for this account's log groups only, by encryption context.
   */
  private allowLogsService(key: kms.Key): void {
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
  }
}

/** What S3 (bucket keys), SQS and DynamoDB ask KMS for on a caller's behalf; no wildcards. */
const DATA_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
const VIA_SERVICES = ['s3', 'sqs', 'dynamodb'] as const;
