import type { S3Event } from 'aws-lambda';
import { CodedError, ErrorCode } from './errors.ts';
import { decodeS3Key } from './keys.ts';

/** An object named by an S3 event notification, key decoded. */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  /** Without quotes, as S3 events carry it. */
  readonly eTag?: string;
  readonly versionId?: string;
  /** Orders uploads of one key (compare with compareSequencers). */
  readonly sequencer?: string;
  readonly eventName: string;
  /** When the object was written (ISO 8601), from the event. */
  readonly eventTime?: string;
}

/**
 * A queue message that is not an S3 event notification, or holds a record that is not one.
 * Deliberately NOT permanent: there is no input key to file a failure record under, so the
 * message must not be deleted; it is retried and lands in the dead-letter queue, where someone
 * can look at it (DESIGN.md: nothing is silently dropped).
 */
export class MalformedEventError extends CodedError<typeof ErrorCode.EVENT_MALFORMED> {
  override readonly name = 'MalformedEventError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.EVENT_MALFORMED, message, details);
  }
}

export function isMalformedEventError(error: unknown): error is MalformedEventError {
  return error instanceof MalformedEventError;
}

/**
 * The S3 objects carried by one SQS message body. S3 sends an `s3:TestEvent` when a notification
 * is configured; it names no object and yields none. Anything else that is not an S3 event
 * throws a {@link MalformedEventError}.
 */
export function objectsFromMessageBody(body: string): S3ObjectRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedEventError('The queue message is not JSON', { body: body.slice(0, 200) });
  }
  if (isTestEvent(parsed)) return [];
  const records = (parsed as Partial<S3Event> | null)?.Records;
  if (!Array.isArray(records)) {
    throw new MalformedEventError('The queue message is not an S3 event notification (no Records)', { body: body.slice(0, 200) });
  }
  const objects = records.map((record, index) => {
    if (record?.eventSource !== undefined && record.eventSource !== 'aws:s3') {
      throw new MalformedEventError(`Record ${index} is not an S3 event record (eventSource ${String(record.eventSource).slice(0, 50)})`);
    }
    const bucket = record?.s3?.bucket?.name;
    const key = record?.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') {
      throw new MalformedEventError(`S3 event record ${index} names no bucket and key`);
    }
    const { size, eTag, versionId, sequencer } = record.s3.object;
    return {
      bucket,
      key: decodeKey(key),
      eventName: String(record.eventName),
      ...(typeof size === 'number' ? { size } : {}),
      ...(typeof eTag === 'string' && eTag !== '' ? { eTag } : {}),
      ...(typeof versionId === 'string' && versionId !== '' ? { versionId } : {}),
      ...(typeof sequencer === 'string' && sequencer !== '' ? { sequencer } : {}),
      ...(typeof record.eventTime === 'string' ? { eventTime: record.eventTime } : {}),
    };
  });
  // A "folder" made in the S3 console is a zero-byte key ending in '/': no upload to process.
  return objects.filter((object) => !object.key.endsWith('/'));
}

function decodeKey(encoded: string): string {
  try {
    return decodeS3Key(encoded);
  } catch {
    throw new MalformedEventError(`S3 event key is not URL-encoded as S3 sends it: ${encoded.slice(0, 200)}`);
  }
}

function isTestEvent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { Event?: unknown }).Event === 's3:TestEvent';
}
