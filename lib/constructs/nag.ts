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

/** The IAM5 finding cdk-nag raises for a grant on `<bucket>/<prefix>*`. */
export function prefixGrantFinding(bucket: s3.IBucket, prefix: string): string {
  const resource = bucket.node.defaultChild;
  if (!(resource instanceof s3.CfnBucket)) throw new Error('prefix grants are acknowledged only for buckets defined in this app');
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(resource)}.Arn>/${prefix}*]`;
}
