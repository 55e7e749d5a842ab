import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct (and everything below it). Every call names the
 * exact finding, e.g. `AwsSolutions-IAM5[Action::s3:GetObject*]`, and a reason a reviewer would
 * accept: the reasons are the kit's security review, kept next to the code they excuse.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Prefixes of the rule packs that share a rule name (lib/app.ts's nagPacks). */
const PACK_PREFIXES = { serverless: 'Serverless', nist: 'NIST.800.53.R5', hipaa: 'HIPAA.Security' } as const;
export type SharedRulePack = keyof typeof PACK_PREFIXES;

/**
 * Acknowledges one rule in each pack that has it (Serverless, NIST 800-53 rev 5 and HIPAA name
 * the same checks alike, e.g. `LambdaDLQ`), with one reason.
 */
export function acknowledgeInPacks(scope: IConstruct, rule: string, packs: readonly SharedRulePack[], reason: string): void {
  for (const pack of packs) acknowledge(scope, `${PACK_PREFIXES[pack]}-${rule}`, reason);
}

/**
 * A function driven by an SQS event source: a failed record returns to its queue and moves to the
 * queue's DLQ after maxReceiveCount. Lambda's own DLQ serves asynchronous invocations only, and
 * SQS event sources take no on-failure destination, so neither applies.
 */
export function acknowledgeQueueTriggered(fn: IConstruct, queueDescription: string): void {
  const reason = `Triggered only by ${queueDescription} through an SQS event source: failed records are redelivered and then moved to that queue's dead-letter queue by its redrive policy`;
  acknowledgeInPacks(fn, 'LambdaDLQ', ['serverless', 'nist', 'hipaa'], reason);
  acknowledgeInPacks(fn, 'LambdaEventSourceMappingDestination', ['serverless'], `${reason} (SQS event source mappings take no on-failure destination)`);
}

/** A dead-letter queue: the end of its redrive chain, drained or inspected, never redriven further by SQS. */
export function acknowledgeDeadLetterQueue(queue: IConstruct, reason: string): void {
  acknowledgeInPacks(queue, 'SQSRedrivePolicy', ['serverless'], reason);
}

/** The compliance packs (`-c compliance=nist|hipaa`), which share their rule names. */
const COMPLIANCE: readonly SharedRulePack[] = ['nist', 'hipaa'];

/**
 * A role whose permissions CDK grants compose into one inline policy. The compliance packs prefer
 * customer-managed policies; a managed policy here would hold the same per-role statements and
 * could be attached to other principals, which is the broader grant.
 */
export function acknowledgeInlinePolicies(role: IConstruct): void {
  acknowledgeInPacks(
    role,
    'IAMNoInlinePolicy',
    COMPLIANCE,
    "The role's one inline policy is generated from scoped grants to this role's own resources and prefixes; as a managed policy it could be attached elsewhere, which widens who holds it",
  );
}

/** A table with point-in-time recovery: continuous backups the packs' AWS Backup rule does not see. */
export function acknowledgeTableBackups(table: IConstruct): void {
  acknowledgeInPacks(
    table,
    'DynamoDBInBackupPlan',
    COMPLIANCE,
    'Point-in-time recovery is on (continuous backups, restorable to any second of the last 35 days); an AWS Backup plan for longer retention is the account\'s backup policy, applied by tag outside the kit',
  );
}

/** The IAM5 finding cdk-nag raises for a grant on `<bucket>/<prefix>*`. */
export function prefixGrantFinding(bucket: s3.IBucket, prefix: string): string {
  const resource = bucket.node.defaultChild;
  if (!(resource instanceof s3.CfnBucket)) throw new Error('prefix grants are acknowledged only for buckets defined in this app');
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(resource)}.Arn>/${prefix}*]`;
}

/** The logical id CDK gives its one-per-stack handler for Custom::S3BucketNotifications. */
const BUCKET_NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/** CDK's own bucket-notification custom resource: the kit cannot change how it is built. */
export function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID);
  if (!handler) return;
  acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's Custom::S3BucketNotifications handler is created by aws-cdk-lib with this managed policy; it runs only during deployments",
  );
  acknowledge(
    handler,
    'AwsSolutions-IAM5[Resource::*]',
    'PutBucketNotification on the stack\'s buckets is set by aws-cdk-lib\'s notifications handler, which takes bucket names at deploy time',
  );
  acknowledge(
    handler,
    'AwsSolutions-L1',
    "aws-cdk-lib picks the notifications handler's Python runtime; it is a deploy-time custom resource, never on the request path",
  );  for (const bucket of stack.node.findAll()) {
    const policy = bucket.node.tryFindChild('Notifications')?.node.tryFindChild('HandlerPolicy');
    if (policy) {
      acknowledgeInPacks(
        policy,
        'IAMNoInlinePolicy',
        COMPLIANCE,
        "aws-cdk-lib attaches this policy (PutBucketNotification on one bucket) to its notifications handler's role; the kit cannot make it a managed policy",
      );
    }
  }
}
