import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, PermanentError } from './errors.ts';
import type { S3ObjectRef } from './s3-event.ts';

/**
 * Downloads an object, refusing it before reading the body when S3 reports more than `maxBytes`
 * (limits before heavy work). A vanished object is permanent: the upload was deleted.
 */
export async function readObject(
  s3: S3Client,
  ref: Pick<S3ObjectRef, 'bucket' | 'key'>,
  maxBytes: number,
  tooLarge: (bytes: number) => PermanentError,
): Promise<Buffer> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
      throw new PermanentError(ErrorCode.SOURCE_NOT_FOUND, `s3://${ref.bucket}/${ref.key} no longer exists`, {}, { cause: error });
    }
    throw error;
  }
  const length = response.ContentLength ?? 0;
  if (length > maxBytes) {
    await response.Body?.transformToWebStream().cancel();
    throw tooLarge(length);
  }
  const bytes = await response.Body?.transformToByteArray();
  return Buffer.from(bytes?.buffer ?? new ArrayBuffer(0), bytes?.byteOffset ?? 0, bytes?.byteLength ?? 0);
}

export async function writeObject(s3: S3Client, bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export function writeJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  return writeObject(s3, bucket, key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

/** Deleting a key that does not exist succeeds in S3, so this is safe to repeat. */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
