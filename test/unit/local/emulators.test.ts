import { GetObjectCommand, GetObjectTaggingCommand, ListBucketsCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { startS3SqsEmulator, type S3SqsEmulator } from '../../../lib/local/emulators/s3-sqs-emulator.ts';
import { listeningSockets } from '../../integration/helpers/listening-sockets.ts';

describe('emulators', () => {
  let s3sqs: S3SqsEmulator;
  let dynamo: DynamoDbEmulator;
  beforeAll(async () => {
    s3sqs = await startS3SqsEmulator({ region: 'us-east-1' });
    dynamo = await startDynamoDbEmulator();
  });
  afterAll(async () => {
    await s3sqs?.stop();
    await dynamo?.stop();
  });

  it('listen on 127.0.0.1 only (fauxqs\'s own start would take 0.0.0.0), with no process-wide patch of listen', () => {
    const ours = listeningSockets().filter((s) => s.port === s3sqs.port || s.port === dynamo.port);
    expect(ours.map((s) => s.port).sort()).toEqual([s3sqs.port, dynamo.port].sort());
    expect(ours.every((s) => s.address === '127.0.0.1')).toBe(true);
  });

  it('serve the S3 API and report object writes through the spy tap', async () => {
    const seen: string[] = [];
    s3sqs.onEvent((event) => {
      if (event.service === 's3') seen.push(`${event.status}:${event.bucket}/${event.key}`);
    });
    s3sqs.createBucket('tap-bucket');
    const s3 = new S3Client({ endpoint: s3sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new PutObjectCommand({ Bucket: 'tap-bucket', Key: 'a b.txt', Body: 'hi' }));
    const buckets = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    expect(buckets.Buckets?.map((b) => b.Name)).toContain('tap-bucket');
    expect(seen).toEqual(['uploaded:tap-bucket/a b.txt']);
  });


  it('waitForMessages wakes on a send and on a visibility timeout running out, and takes nothing itself', async () => {
    const { queueUrl } = s3sqs.createQueue('wait-queue', { region: 'us-east-1', attributes: { VisibilityTimeout: '1' } });
    const { SQSClient, SendMessageCommand, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient({ endpoint: s3sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, useQueueUrlAsEndpoint: false });
    try {
      expect(await s3sqs.waitForMessages('wait-queue', 0.2)).toBe(false);
      const waiting = s3sqs.waitForMessages('wait-queue', 5);
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hi' }));
      expect(await waiting).toBe(true);
      expect(s3sqs.inspectQueue('wait-queue')!.messages.ready).toHaveLength(1);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
      expect(received.Messages).toHaveLength(1);
      // In flight now; visible again once its 1 s visibility timeout runs out.
      const started = Date.now();
      expect(await s3sqs.waitForMessages('wait-queue', 5)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      sqs.destroy();
    }
  });
});

describe('object tagging (fauxqs lacks it)', () => {
  let s3sqs: S3SqsEmulator;
  beforeAll(async () => {
    s3sqs = await startS3SqsEmulator({ region: 'us-east-1' });
    s3sqs.createBucket('tagged');
  });
  afterAll(async () => {
    await s3sqs?.stop();
  });

  it('tags an object without replacing it or announcing an upload', async () => {
    const s3 = new S3Client({ endpoint: s3sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, forcePathStyle: true });
    const writes: string[] = [];
    s3sqs.onEvent((event) => {
      if (event.service === 's3') writes.push(`${event.status}:${event.key}`);
    });
    await s3.send(new PutObjectCommand({ Bucket: 'tagged', Key: 'videos/a b.mp4', Body: 'the video' }));
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'tagged', Key: 'videos/a b.mp4', Tagging: { TagSet: [{ Key: 'media-kit-verdict', Value: 'block' }] } }));
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'videos/a b.mp4' }));
    expect(tags.TagSet).toEqual([{ Key: 'media-kit-verdict', Value: 'block' }]);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'tagged', Key: 'videos/a b.mp4' }));
    expect(await object.Body!.transformToString()).toBe('the video');
    expect(writes.filter((w) => w.startsWith('uploaded:'))).toEqual(['uploaded:videos/a b.mp4']);
    s3.destroy();
  });
});
