import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledge, acknowledgeInPacks } from './nag.ts';

export interface ManagedPrefixListsProps {
  /** Prefix-list names by key, e.g. `{ s3: 'com.amazonaws.<region>.s3' }`. */
  readonly names: Readonly<Record<string, string>>;
  /** Retention of the lookup handler's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Encrypts the lookup handler's log group. @default AWS-managed encryption */
  readonly encryption?: KitEncryption;
}

/** The logical id aws-cdk-lib gives the one-per-stack handler of every AwsCustomResource. */
const AWS_CUSTOM_RESOURCE_HANDLER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The ids of AWS-managed prefix lists (e.g. S3's and DynamoDB's), read with
 * ec2:DescribeManagedPrefixLists when the stack deploys: the ids differ per region and neither
 * CloudFormation nor a gateway endpoint exposes them, and a synth-time lookup would need AWS
 * credentials and write context.
 */
export class ManagedPrefixLists extends Construct {
  private readonly lookups = new Map<string, cr.AwsCustomResource>();

  constructor(scope: Construct, id: string, props: ManagedPrefixListsProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      ...(props.encryption ? { encryptionKey: props.encryption.key } : {}),
    });
    for (const [key, name] of Object.entries(props.names)) {
      const lookup = new cr.AwsCustomResource(this, key, {
        onUpdate: {
          service: 'EC2',
          action: 'describeManagedPrefixLists',
          parameters: { Filters: [{ Name: 'prefix-list-name', Values: [name] }] },
          physicalResourceId: cr.PhysicalResourceId.of(`${key}-managed-prefix-list`),
          outputPaths: ['PrefixLists.0.PrefixListId'],
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
        // The runtime's SDK has DescribeManagedPrefixLists; installing another at deploy time would reach npm.
        installLatestAwsSdk: false,
        logGroup,
      });
      acknowledge(lookup, 'AwsSolutions-IAM5[Resource::*]', 'ec2:DescribeManagedPrefixLists is a read-only call that supports no resource-level permissions');
      acknowledgeInPacks(lookup, 'IAMNoInlinePolicy', ['nist', 'hipaa'], "aws-cdk-lib attaches each AwsCustomResource's policy inline to its deploy-time handler's role; it allows only ec2:DescribeManagedPrefixLists");
      this.lookups.set(key, lookup);
    }
    const handler = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_HANDLER_ID);
    if (handler) acknowledgeLookupHandler(handler);
  }

  /** The id of one prefix list (a deploy-time token). */
  idOf(key: string): string {
    const lookup = this.lookups.get(key);
    if (!lookup) throw new Error(`ManagedPrefixLists: no prefix list '${key}' (known: ${[...this.lookups.keys()].join(', ')})`);
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }
}

/** aws-cdk-lib builds the AwsCustomResource handler; the kit sets only its log group. */
function acknowledgeLookupHandler(handler: IConstruct): void {
  const deployTime = "aws-cdk-lib's AwsCustomResource handler runs only while CloudFormation deploys the stack (a read-only prefix-list lookup), never on the request path";
  acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', `${deployTime}; aws-cdk-lib attaches this managed policy to it`);
  acknowledgeInPacks(handler, 'LambdaDLQ', ['serverless', 'nist', 'hipaa'], `${deployTime}; CloudFormation invokes it synchronously and fails the deployment on an error`);
  acknowledgeInPacks(handler, 'LambdaInsideVPC', ['nist', 'hipaa'], `${deployTime}; it calls the EC2 API, which the kit's VPC has no endpoint for, to configure that VPC`);
  acknowledgeInPacks(handler, 'LambdaConcurrency', ['nist', 'hipaa'], `${deployTime}; it runs once per lookup per deployment`);
  acknowledgeInPacks(handler, 'LambdaTracing', ['serverless'], `${deployTime}; aws-cdk-lib sets no tracing on it`);
  acknowledgeInPacks(handler, 'LambdaDefaultMemorySize', ['serverless'], `${deployTime}; aws-cdk-lib sizes it`);
}
