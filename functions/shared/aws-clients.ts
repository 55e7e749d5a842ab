import { S3Client } from '@aws-sdk/client-s3';

/**
 * SDK clients are created once per function instance and reused across invocations.
 * Endpoint and region come from the standard AWS_* environment (AWS_ENDPOINT_URL included), so
 * the same bundle talks to AWS or to the local runtime's emulators. Path-style addressing is for
 * S3-compatible endpoints that cannot serve virtual-hosted buckets.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({ forcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true' });
}
