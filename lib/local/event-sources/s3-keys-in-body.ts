import { isPermanentError } from '../../../functions/shared/errors.ts';
import { objectsFromMessageBody } from '../../../functions/shared/s3-event.ts';

/**
 * Decoded object keys of the S3 event records in a message body, read exactly as the handlers
 * read them; none when the body is not an S3 event (the handler discards such a message too).
 */
export function s3KeysInBody(body: string): { bucket: string; key: string }[] {
  try {
    return objectsFromMessageBody(body).map(({ bucket, key }) => ({ bucket, key }));
  } catch (error) {
    if (isPermanentError(error)) return [];
    throw error;
  }
}
