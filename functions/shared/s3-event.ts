import type { S3Event } from 'aws-lambda';
import { ErrorCode, PermanentError } from './errors.ts';
import { decodeS3Key } from './keys.ts';

/** An object named by an S3 event notification, key decoded. */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  readonly eventName: string;
}

/**
 * The S3 objects carried by one SQS message body. S3 sends an `s3:TestEvent` when a notification
 * is configured; it names no object and yields none. Anything that is not an S3 event is a
 * permanent error: redelivering it cannot turn it into one.
 */
export function objectsFromMessageBody(body: string): S3ObjectRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PermanentError(ErrorCode.EVENT_MALFORMED, 'The queue message is not JSON', { body: body.slice(0, 200) });
  }
  if (isTestEvent(parsed)) return [];
  const records = (parsed as Partial<S3Event> | null)?.Records;
  if (!Array.isArray(records)) {
    throw new PermanentError(ErrorCode.EVENT_MALFORMED, 'The queue message is not an S3 event notification (no Records)', {
      body: body.slice(0, 200),
    });
  }
  const objects = records.map((record, index) => {
    const bucket = record?.s3?.bucket?.name;
    const key = record?.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') {
      throw new PermanentError(ErrorCode.EVENT_MALFORMED, `S3 event record ${index} names no bucket and key`);
    }
    return {
      bucket,
      key: decodeKey(key),
      size: record.s3.object.size,
      eTag: record.s3.object.eTag,
      versionId: record.s3.object.versionId,
      eventName: record.eventName,
    };
  });
  // A "folder" made in the S3 console is a zero-byte key ending in '/': no upload to process.
  return objects.filter((object) => !object.key.endsWith('/'));
}

function decodeKey(encoded: string): string {
  try {
    return decodeS3Key(encoded);
  } catch {
    throw new PermanentError(ErrorCode.EVENT_MALFORMED, `S3 event key is not URL-encoded as S3 sends it: ${encoded.slice(0, 200)}`);
  }
}

function isTestEvent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { Event?: unknown }).Event === 's3:TestEvent';
}
