import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { localCredentials } from '../emulators/loopback.ts';
import type { S3SqsEmulator } from '../emulators/s3-sqs-emulator.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from './resource-index.ts';

/** Queue attributes CloudFormation takes as properties and SQS as attributes, same names. */
const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'FifoQueue',
  'ContentBasedDeduplication',
] as const;

export interface ProvisionedResources {
  readonly buckets: string[];
  readonly queues: string[];
  readonly tables: string[];
}

/** Creates every bucket and queue in the S3/SQS emulator. Queues first-class: DLQs are plain queues. */
export function provisionS3AndSqs(index: ResourceIndex, server: Pick<S3SqsEmulator, 'createBucket' | 'createQueue'>): Pick<ProvisionedResources, 'buckets' | 'queues'> {
  const buckets: string[] = [];
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::S3::Bucket')) {
    const name = index.identity(stackName, logicalId).ref;
    server.createBucket(name);
    buckets.push(name);
  }
  const queues: string[] = [];
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::SQS::Queue')) {
    const identity = index.identity(stackName, logicalId);
    const attributes: Record<string, string> = {};
    for (const name of QUEUE_ATTRIBUTES) {
      const value = index.property(stackName, logicalId, name);
      if (value !== undefined) attributes[name] = String(value);
    }
    const redrive = index.property(stackName, logicalId, 'RedrivePolicy') as { deadLetterTargetArn?: string; maxReceiveCount?: number } | undefined;
    if (redrive) {
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) });
    }
    const created = server.createQueue(identity.attributes.QueueName!, { region: index.environment.region, attributes });
    if (created.queueUrl !== identity.attributes.QueueUrl || created.queueArn !== identity.attributes.Arn) {
      throw new LocalRuntimeError(
        LocalErrorCode.EMULATOR_FAILED,
        `fauxqs named queue ${logicalId} ${created.queueUrl} (${created.queueArn}), not ${identity.attributes.QueueUrl}: the runtime needs fauxqs 1.9.2 exactly`,
      );
    }
    queues.push(identity.attributes.QueueName!);
  }
  return { buckets, queues };
}

/** Creates every DynamoDB table (keys, billing, indexes, TTL) in the DynamoDB emulator. */
export async function provisionTables(index: ResourceIndex, endpoint: string): Promise<string[]> {
  const tables = index.resourcesOfType('AWS::DynamoDB::Table');
  if (tables.length === 0) return [];
  const client = new DynamoDBClient({ endpoint, region: index.environment.region, credentials: localCredentials() });
  const names: string[] = [];
  try {
    for (const { stackName, logicalId } of tables) {
      const prop = (name: string) => index.property(stackName, logicalId, name);
      const billingMode = (prop('BillingMode') as string | undefined) ?? 'PROVISIONED';
      const input: CreateTableCommandInput = {
        TableName: index.identity(stackName, logicalId).ref,
        KeySchema: prop('KeySchema') as CreateTableCommandInput['KeySchema'],
        AttributeDefinitions: prop('AttributeDefinitions') as CreateTableCommandInput['AttributeDefinitions'],
        BillingMode: billingMode as CreateTableCommandInput['BillingMode'],
        ProvisionedThroughput:
          billingMode === 'PROVISIONED'
            ? ((prop('ProvisionedThroughput') as CreateTableCommandInput['ProvisionedThroughput']) ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 })
            : undefined,
        GlobalSecondaryIndexes: prop('GlobalSecondaryIndexes') as CreateTableCommandInput['GlobalSecondaryIndexes'],
        LocalSecondaryIndexes: prop('LocalSecondaryIndexes') as CreateTableCommandInput['LocalSecondaryIndexes'],
      };
      // CloudFormation's TimeToLiveSpecification is UpdateTimeToLive's, same names.
      const ttl = prop('TimeToLiveSpecification') as { AttributeName?: string; Enabled?: boolean | string } | undefined;
      try {
        await client.send(new CreateTableCommand(input));
        if (ttl && String(ttl.Enabled) === 'true') {
          await client.send(new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
        }
      } catch (error) {
        throw new LocalRuntimeError(
          LocalErrorCode.EMULATOR_FAILED,
          `Table ${logicalId} could not be created locally: ${(error as Error).message}`,
          { stackName, logicalId },
          { cause: error },
        );
      }
      names.push(input.TableName!);
    }
  } finally {
    client.destroy();
  }
  return names;
}
