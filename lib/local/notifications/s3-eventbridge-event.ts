import type { S3EventName, S3ObjectEvent } from './s3-event-record.ts';

/** The PutEvents entry S3 sends to the default bus for an object event (source aws.s3). */
export interface S3EventBridgeEntry {
  readonly Source: 'aws.s3';
  readonly DetailType: 'Object Created' | 'Object Deleted';
  readonly Detail: string;
  readonly Resources: readonly string[];
  readonly Time: number;
}

const REASONS: Record<S3EventName, string> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Post': 'PostObject',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
  'ObjectRemoved:Delete': 'DeleteObject',
};

/**
 * An object event as S3 publishes it to EventBridge: unlike bucket notifications, the key is NOT
 * URL-encoded, the ETag is `etag`, the sequencer is lowercase hex, and the detail carries the
 * request's reason (PutObject, CopyObject, CompleteMultipartUpload, DeleteObject). Buckets here
 * are unversioned, so `version-id` is left out, as S3 leaves it out for them.
 */
export function s3EventBridgeEntry(event: S3ObjectEvent, accountId: string): S3EventBridgeEntry {
  const deleted = event.eventName === 'ObjectRemoved:Delete';
  const object = deleted
    ? { key: event.key, sequencer: event.sequencer.toLowerCase() }
    : { key: event.key, size: event.size, etag: event.eTag, sequencer: event.sequencer.toLowerCase() };
  return {
    Source: 'aws.s3',
    DetailType: deleted ? 'Object Deleted' : 'Object Created',
    Detail: JSON.stringify({
      version: '0',
      bucket: { name: event.bucket },
      object,
      'request-id': event.sequencer.slice(-16),
      requester: accountId,
      'source-ip-address': '127.0.0.1',
      reason: REASONS[event.eventName],
      ...(deleted ? { 'deletion-type': 'Permanently Deleted' } : {}),
    }),
    Resources: [`arn:aws:s3:::${event.bucket}`],
    Time: event.time.getTime() / 1000,
  };
}
