import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from './tracer.ts';

/**
 * SDK clients are created once per function instance and reused across invocations.
 * Endpoint and region come from the standard AWS_* environment (AWS_ENDPOINT_URL included), so
 * the same bundle talks to AWS or to the local runtime's emulators. Path-style addressing is for
 * S3-compatible endpoints that cannot serve virtual-hosted buckets.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return traced(new S3Client({ forcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true' }));
}

/**
 * Sends to the regional endpoint (or AWS_ENDPOINT_URL), not to the queue URL's host: the same on
 * AWS, and locally the emulator, whose queue URLs name a host that does not resolve.
 */
export function createSqsClient(): SQSClient {
  return traced(new SQSClient({ useQueueUrlAsEndpoint: false }));
}

export function createDynamoDbClient(): DynamoDBClient {
  return traced(new DynamoDBClient({}));
}

export function createEventBridgeClient(): EventBridgeClient {
  return traced(new EventBridgeClient({}));
}

/**
 * Every SDK client a function makes goes through here, so each AWS call becomes an X-Ray
 * subsegment (service, operation, status, retries) under the function's trace: what the
 * function's Active tracing is for. A no-op when tracing is off.
 */
export function traced<Client extends Parameters<typeof tracer.captureAWSv3Client>[0]>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
