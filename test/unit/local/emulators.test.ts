import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { withLoopbackListen } from '../../../lib/local/emulators/loopback.ts';
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

  it('listen on 127.0.0.1 only, although fauxqs asks for 0.0.0.0', () => {
    const ours = listeningSockets().filter((s) => s.port === s3sqs.port || s.port === dynamo.port);
    expect(ours.map((s) => s.port).sort()).toEqual([s3sqs.port, dynamo.port].sort());
    expect(ours.every((s) => s.address === '127.0.0.1')).toBe(true);
  });

  it('serve the S3 API and report object writes through the spy tap', async () => {
    const seen: string[] = [];
    s3sqs.onEvent((event) => {
      if (event.service === 's3') seen.push(`${event.status}:${event.bucket}/${event.key}`);
    });
    s3sqs.server.createBucket('tap-bucket');
    const s3 = new S3Client({ endpoint: s3sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new PutObjectCommand({ Bucket: 'tap-bucket', Key: 'a b.txt', Body: 'hi' }));
    const buckets = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    expect(buckets.Buckets?.map((b) => b.Name)).toContain('tap-bucket');
    expect(seen).toEqual(['uploaded:tap-bucket/a b.txt']);
  });

  it('withLoopbackListen rebinds wildcard listens of any server started inside it', async () => {
    const server = createServer();
    await withLoopbackListen(() => new Promise<void>((resolve) => server.listen({ port: 0, host: '0.0.0.0' }, resolve)));
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    server.close();
    const outside = createServer();
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.2', resolve));
    expect((outside.address() as AddressInfo).address).toBe('127.0.0.2');
    outside.close();
  });
});
