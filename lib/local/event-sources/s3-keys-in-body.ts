import { isPermanentError } from '../../../functions/shared/errors.ts';
import { decodeS3Key } from '../../../functions/shared/keys.ts';
import { isMalformedEventError, objectsFromMessageBody } from '../../../functions/shared/s3-event.ts';

export interface S3ObjectInBody {
  readonly bucket: string;
  readonly key: string;
  /** The event's sequencer, which tells two uploads of one key apart. */
  readonly sequencer?: string;
}

/**
 * Decoded object keys of the S3 event records in a message body, read exactly as the handlers
 * read them; none when the body is not an S3 event (the handler discards such a message too).
 */
export function s3KeysInBody(body: string): S3ObjectInBody[] {
  let objects: { bucket: string; key: string }[];
  try {
    objects = objectsFromMessageBody(body);
  } catch (error) {
    if (isPermanentError(error) || isMalformedEventError(error)) return [];
    throw error;
  }
  // The shared reader keeps no sequencer: take it from the raw records, in the same order.
  const raw = ((JSON.parse(body) as { Records?: unknown[] }).Records ?? []) as { s3?: { object?: { key?: string; sequencer?: unknown } } }[];
  const sequencers = raw
    .filter((record) => !decodeS3Key(String(record.s3?.object?.key ?? '')).endsWith('/'))
    .map((record) => record.s3?.object?.sequencer);
  return objects.map(({ bucket, key }, i) => {
    const sequencer = sequencers.length === objects.length ? sequencers[i] : undefined;
    return { bucket, key, ...(typeof sequencer === 'string' ? { sequencer } : {}) };
  });
}
