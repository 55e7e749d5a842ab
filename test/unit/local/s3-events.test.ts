import { describe, expect, it } from 'vitest';
import { decodeS3Key } from '../../../functions/shared/keys.ts';
import { batchItemFailures } from '../../../lib/local/event-sources/sqs-poller.ts';
import { toLambdaSqsRecord } from '../../../lib/local/event-sources/sqs-event.ts';
import { ruleMatches, type NotificationRule } from '../../../lib/local/notifications/notification-rules.ts';
import { s3EventRecord } from '../../../lib/local/notifications/s3-event-record.ts';

const rule = (events: string[], prefix = 'uploads/', suffix = ''): NotificationRule => ({
  id: 'r',
  bucket: 'b',
  events,
  prefix,
  suffix,
  target: { kind: 'queue', arn: 'arn', queueUrl: 'url', queueName: 'q' },
});

describe('S3 event records', () => {
  it('have the shape S3 sends, with the key URL-encoded and + for space', () => {
    const record = s3EventRecord(
      { eventName: 'ObjectCreated:Put', bucket: 'ingest', key: 'uploads/a b+c/ü(1).jpg', size: 42, eTag: 'abc', sequencer: '00000000000000000A', time: new Date(0) },
      'cfg',
      'us-east-1',
    );
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '1970-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfg',
        bucket: { name: 'ingest', arn: 'arn:aws:s3:::ingest' },
        object: { key: 'uploads/a+b%2Bc/%C3%BC%281%29.jpg', size: 42, eTag: 'abc', sequencer: '00000000000000000A' },
      },
    });
    expect(decodeS3Key(record.s3.object.key)).toBe('uploads/a b+c/ü(1).jpg');
  });
});

describe('notification rules', () => {
  it('match by event pattern, prefix and suffix as S3 does', () => {
    expect(ruleMatches(rule(['s3:ObjectCreated:*']), 'ObjectCreated:CompleteMultipartUpload', 'uploads/x.jpg')).toBe(true);
    expect(ruleMatches(rule(['s3:ObjectCreated:*']), 'ObjectRemoved:Delete', 'uploads/x.jpg')).toBe(false);
    expect(ruleMatches(rule(['s3:ObjectCreated:Put']), 'ObjectCreated:Copy', 'uploads/x.jpg')).toBe(false);
    expect(ruleMatches(rule(['s3:ObjectCreated:*']), 'ObjectCreated:Put', 'other/x.jpg')).toBe(false);
    expect(ruleMatches(rule(['s3:ObjectCreated:*'], 'uploads/', '.png'), 'ObjectCreated:Put', 'uploads/x.jpg')).toBe(false);
    expect(ruleMatches(rule(['s3:ObjectCreated:*'], 'uploads/', '.png'), 'ObjectCreated:Put', 'uploads/x.png')).toBe(true);
  });
});

describe('SQS records for Lambda', () => {
  it('carry Lambda casing, attributes and the source ARN', () => {
    const record = toLambdaSqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'r1',
        Body: '{}',
        MD5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1000', SenderId: 'S', ApproximateFirstReceiveTimestamp: '1001' },
        MessageAttributes: { Trace: { DataType: 'String', StringValue: 'abc' }, Blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } },
      },
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'r1',
      body: '{}',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1000', SenderId: 'S', ApproximateFirstReceiveTimestamp: '1001' },
      messageAttributes: {
        Trace: { dataType: 'String', stringValue: 'abc', stringListValues: [], binaryListValues: [] },
        Blob: { dataType: 'Binary', binaryValue: 'aGk=', stringListValues: [], binaryListValues: [] },
      },
      md5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});

describe('partial batch responses', () => {
  const ids = new Set(['a', 'b', 'c']);
  it('fail only the named items', () => {
    expect([...batchItemFailures({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids)]).toEqual(['b']);
  });
  it('succeed the batch when empty or absent', () => {
    expect(batchItemFailures({ batchItemFailures: [] }, ids).size).toBe(0);
    expect(batchItemFailures(null, ids).size).toBe(0);
    expect(batchItemFailures({}, ids).size).toBe(0);
  });
  it('fail the whole batch on an empty, missing or unknown itemIdentifier', () => {
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: '' }] }, ids).size).toBe(3);
    expect(batchItemFailures({ batchItemFailures: [{}] }, ids).size).toBe(3);
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }, ids).size).toBe(3);
    expect(batchItemFailures('nonsense', ids).size).toBe(3);
  });
});
