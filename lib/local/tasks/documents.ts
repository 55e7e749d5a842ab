import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** A JSON document of a bucket (a result document or failure record), as the tracker reads it. */
export async function readJsonDocument(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await response.Body!.transformToString()) as unknown;
}
