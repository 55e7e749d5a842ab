import { CopyObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3ObjectRef } from '../shared/s3-event.ts';

/**
 * A blocked upload: copied server-side (pinned to the version that was judged) under the
 * quarantine prefix of the results bucket, where only the reviewer role may read, and the
 * original tagged so a lifecycle rule, a bucket policy or a person can act on it. Both are
 * idempotent: a redelivery copies the same bytes to the same key and sets the same tag.
 */

export const VERDICT_TAG = 'media-kit-verdict';

export function quarantineKeyOf(prefix: string, inputKey: string): string {
  return `${prefix}${inputKey}`;
}

export async function quarantine(
  s3: S3Client,
  object: Pick<S3ObjectRef, 'bucket' | 'key' | 'versionId'>,
  target: { readonly bucket: string; readonly key: string; readonly tagOriginal: boolean; readonly reportKey: string },
  signal?: AbortSignal,
): Promise<{ bucket: string; key: string; taggedOriginal: boolean }> {
  const options = signal ? { abortSignal: signal } : {};
  const source = `${object.bucket}/${encodeURIComponent(object.key).replaceAll('%2F', '/')}${object.versionId ? `?versionId=${encodeURIComponent(object.versionId)}` : ''}`;
  await s3.send(
    new CopyObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      CopySource: source,
      MetadataDirective: 'REPLACE',
      Metadata: { 'source-bucket': object.bucket, 'source-key': encodeURIComponent(object.key), report: encodeURIComponent(target.reportKey) },
      // No ServerSideEncryption here: the copy takes the results bucket's default (SSE-S3, or the
      // stack key with bucket keys under encryption.kms), as every other object there does.
    }),
    options,
  );
  if (target.tagOriginal) {
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(object.versionId ? { VersionId: object.versionId } : {}),
        Tagging: { TagSet: [{ Key: VERDICT_TAG, Value: 'block' }] },
      }),
      options,
    );
  }
  return { bucket: target.bucket, key: target.key, taggedOriginal: target.tagOriginal };
}
