import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ErrorCode, PermanentError, SupersededError } from './errors.ts';
import type { S3ObjectRef } from './s3-event.ts';

/** Which version of an object to read: the one its event announced. */
export type PinnedRef = Pick<S3ObjectRef, 'bucket' | 'key' | 'eTag' | 'versionId'>;

export interface ReadLimits {
  /** Refused above this many bytes: from Content-Length before the body is read, and while reading. */
  readonly maxBytes: number;
  /** The pipeline's coded error for an object over `maxBytes`. */
  readonly tooLarge: (bytes: number) => PermanentError;
  /** Aborts the download (the object's time budget). */
  readonly signal?: AbortSignal;
}

/**
 * GetObject pinned to the event's version: `VersionId` when the event carries one, else
 * `IfMatch` with its eTag. A 412 (the key now holds another upload) or a vanished version is a
 * {@link SupersededError}; a vanished key is permanent (`SOURCE_NOT_FOUND`: the upload was deleted).
 */
export async function getPinnedObject(s3: S3Client, ref: PinnedRef, signal?: AbortSignal): Promise<GetObjectCommandOutput> {
  try {
    return await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...pin(ref) }), { abortSignal: signal });
  } catch (error) {
    throw translateReadError(error, ref);
  }
}

/**
 * Whether the key still holds the version the event announced (a HEAD, pinned like the read);
 * throws {@link SupersededError} when it does not. Called just before outputs are written, so an
 * upload that landed during processing is never overwritten by the older one's outputs.
 */
export async function assertStillCurrent(s3: S3Client, ref: PinnedRef, signal?: AbortSignal): Promise<void> {
  if (!ref.eTag && !ref.versionId) return;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...pin(ref) }), { abortSignal: signal });
  } catch (error) {
    const status = httpStatus(error);
    // HEAD has no error body: 404 without a version pin means the key is gone, which the next
    // upload (if any) answers with its own event; this task's outcome stands as computed.
    if (status === 404 && !ref.versionId) return;
    throw translateReadError(error, ref);
  }
}

/** Downloads an object into memory, pinned to its event's version, refusing it over `maxBytes`. */
export async function readObject(s3: S3Client, ref: PinnedRef, limits: ReadLimits): Promise<Buffer> {
  const response = await getPinnedObject(s3, ref, limits.signal);
  const length = response.ContentLength ?? 0;
  if (length > limits.maxBytes) {
    await response.Body?.transformToWebStream().cancel();
    throw limits.tooLarge(length);
  }
  const bytes = await response.Body?.transformToByteArray();
  if (bytes && bytes.byteLength > limits.maxBytes) throw limits.tooLarge(bytes.byteLength);
  return Buffer.from(bytes?.buffer ?? new ArrayBuffer(0), bytes?.byteOffset ?? 0, bytes?.byteLength ?? 0);
}

/** Reads a JSON document the pipeline wrote earlier, or undefined when there is none. */
export async function readJsonIfExists(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<unknown> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const text = (await response.Body?.transformToString()) ?? '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function writeObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), { abortSignal: signal });
}

export function writeJson(s3: S3Client, bucket: string, key: string, value: unknown, signal?: AbortSignal): Promise<void> {
  return writeObject(s3, bucket, key, `${JSON.stringify(value, null, 2)}\n`, 'application/json', signal);
}

/** Deleting a key that does not exist succeeds in S3, so this is safe to repeat. */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

function pin(ref: PinnedRef): { VersionId?: string; IfMatch?: string } {
  if (ref.versionId) return { VersionId: ref.versionId };
  // S3 events carry the eTag bare; the header wants it quoted, as S3 returns it.
  if (ref.eTag) return { IfMatch: ref.eTag.startsWith('"') ? ref.eTag : `"${ref.eTag}"` };
  return {};
}

function translateReadError(error: unknown, ref: PinnedRef): unknown {
  const name = (error as { name?: string; Code?: string }).name ?? (error as { Code?: string }).Code;
  const status = httpStatus(error);
  const where = `s3://${ref.bucket}/${ref.key}`;
  if (status === 412 || name === 'PreconditionFailed') {
    return new SupersededError(`${where} no longer holds the upload its event announced (eTag ${ref.eTag ?? '?'})`, { eTag: ref.eTag }, { cause: error });
  }
  if (ref.versionId && (name === 'NoSuchVersion' || status === 404 || (status === 400 && name === 'InvalidArgument'))) {
    return new SupersededError(`${where} version ${ref.versionId} no longer exists`, { versionId: ref.versionId }, { cause: error });
  }
  if (error instanceof NoSuchKey || name === 'NoSuchKey') {
    return new PermanentError(ErrorCode.SOURCE_NOT_FOUND, `${where} no longer exists`, {}, { cause: error });
  }
  return error;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return error instanceof NoSuchKey || name === 'NoSuchKey' || name === 'NotFound' || httpStatus(error) === 404;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
