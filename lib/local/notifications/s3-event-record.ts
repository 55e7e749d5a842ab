import type { S3EventRecord } from 'aws-lambda';
import { encodeS3Key } from '../../../functions/shared/keys.ts';

export type S3EventName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectRemoved:Delete';

export interface S3ObjectEvent {
  readonly eventName: S3EventName;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Without quotes, as S3 events carry it. */
  readonly eTag: string;
  readonly sequencer: string;
  readonly time: Date;
}

/** One record of an S3 event notification (eventVersion 2.1), shaped as S3 sends it. */
export function s3EventRecord(event: S3ObjectEvent, configurationId: string, region: string): S3EventRecord {
  const requestId = event.sequencer.slice(-16);
  const object: S3EventRecord['s3']['object'] = {
    key: encodeS3Key(event.key),
    size: event.size,
    eTag: event.eTag,
    sequencer: event.sequencer,
  };
  if (event.eventName === 'ObjectRemoved:Delete') {
    delete (object as { size?: number }).size;
    delete (object as { eTag?: string }).eTag;
  }
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: event.time.toISOString(),
    eventName: event.eventName,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: event.bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${event.bucket}` },
      object,
    },
  } as S3EventRecord;
}
