import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvName } from '../../functions/shared/env-names.ts';
import { encodeS3Key } from '../../functions/shared/keys.ts';
import * as fixtures from '../fixtures/images.ts';

const s3 = mockClient(S3Client);
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handler: Handler;
let photo: Buffer;

const context = { awsRequestId: 'req-1', functionName: 'image-transcode', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function record(id: string, key: string, receiveCount = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'ingest-bucket' }, object: { key: encodeS3Key(key), size: 100, eTag: 'etag-1', sequencer: '01' } },
        },
      ],
    }),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's3',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
    awsRegion: 'us-east-1',
  };
}

function body(bytes: Buffer) {
  return {
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToWebStream: () => new ReadableStream(),
  } as never;
}

function objectsPut(): Map<string, { body: unknown; contentType?: string }> {
  return new Map(
    s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key!, { body: c.args[0].input.Body, contentType: c.args[0].input.ContentType }]),
  );
}

function deleted(): string[] {
  return s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key!);
}

function putJson(key: string): Record<string, unknown> {
  const put = objectsPut().get(key);
  expect(put, `expected a PutObject of ${key}`).toBeDefined();
  return JSON.parse(String(put!.body)) as Record<string, unknown>;
}

beforeAll(async () => {
  photo = await fixtures.photoJpeg(640, 480);
  vi.stubEnv(EnvName.RESULTS_BUCKET, 'results-bucket');
  vi.stubEnv(EnvName.INGEST_PREFIX, 'uploads/');
  vi.stubEnv(EnvName.OUTPUT_PREFIX, 'image/');
  vi.stubEnv(EnvName.PIPELINE_SETTINGS, JSON.stringify({
    renditions: [
      { name: 'thumb', width: 64, height: 64, fit: 'cover', format: 'jpeg' },
      { name: 'web', width: 320, format: 'webp' },
    ],
    limits: { maxInputBytes: 5_000_000 },
  }));
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  ({ handler } = (await import('../../functions/image-transcode/handler.ts')) as { handler: Handler });
});

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => vi.restoreAllMocks());

describe('image-transcode handler', () => {
  it('decodes the event key, writes the renditions, then the manifest', async () => {
    const key = 'uploads/summer trip/猫 + dog.jpg';
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: key }).resolves({ ContentLength: photo.length, Body: body(photo) });

    const response = await handler({ Records: [record('m1', key)] }, context);

    expect(response.batchItemFailures).toEqual([]);
    const folder = 'image/summer trip/猫 + dog.jpg/';
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect([...puts].sort()).toEqual([`${folder}manifest.json`, `${folder}thumb.jpg`, `${folder}web.webp`].sort());
    expect(puts.at(-1)).toBe(`${folder}manifest.json`);
    expect(objectsPut().get(`${folder}web.webp`)?.contentType).toBe('image/webp');

    const manifest = putJson(`${folder}manifest.json`);
    expect(manifest).toMatchObject({
      pipeline: 'image',
      input: { bucket: 'ingest-bucket', key, eTag: 'etag-1' },
      source: { format: 'jpeg', width: 640, height: 480, bytes: photo.length },
      renditions: [
        { name: 'thumb', key: `${folder}thumb.jpg`, width: 64, height: 64, format: 'jpeg' },
        { name: 'web', key: `${folder}web.webp`, width: 320, height: 240, format: 'webp' },
      ],
    });
  });

  it('writes a failure record for bad input and does not retry it', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 44, Body: body(fixtures.textPretendingToBeJpeg) });

    const response = await handler({ Records: [record('m1', 'uploads/notes.jpg')] }, context);

    expect(response.batchItemFailures).toEqual([]);
    expect(putJson('failures/uploads/notes.jpg.json')).toMatchObject({
      input: { bucket: 'ingest-bucket', key: 'uploads/notes.jpg' },
      pipeline: 'image',
      code: 'IMAGE_NOT_AN_IMAGE',
      message: expect.stringContaining('not an image'),
    });
    expect([...objectsPut().keys()]).toEqual(['failures/uploads/notes.jpg.json']);
    // A result of an earlier upload of the same key is superseded: one outcome per key.
    expect(deleted()).toEqual(['image/notes.jpg/manifest.json']);
  });

  it('removes an earlier failure record when the key later succeeds', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: photo.length, Body: body(photo) });
    await handler({ Records: [record('m1', 'uploads/fixed.jpg')] }, context);
    expect(deleted()).toEqual(['failures/uploads/fixed.jpg.json']);
  });

  it('retries when the failure record cannot be written', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 0, Body: body(Buffer.alloc(0)) });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const response = await handler({ Records: [record('m1', 'uploads/empty.jpg')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('leaves records for redelivery instead of starting them with too little time left', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: photo.length, Body: body(photo) });
    const remaining = [60_000, 1_000];
    const short = { ...context, getRemainingTimeInMillis: () => remaining.shift() ?? 1_000 } as Context;
    const response = await handler({ Records: [record('first', 'uploads/a.jpg'), record('second', 'uploads/b.jpg')] }, short);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'second' }]);
    expect(objectsPut().has('image/a.jpg/manifest.json')).toBe(true);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['uploads/a.jpg']);
  });

  it('skips folder markers and discards keys S3 could not have encoded', async () => {
    const folder = record('folder', 'uploads/new folder/');
    const badKey = { ...record('bad', 'x'), body: record('bad', 'x').body.replace('"key":"x"', '"key":"uploads/%E0%A4%A.jpg"') };
    const response = await handler({ Records: [folder, badKey] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('refuses an object over the byte limit from its Content-Length, before reading it', async () => {
    const read = vi.fn();
    s3.on(GetObjectCommand).resolves({
      ContentLength: 6_000_000,
      Body: { transformToByteArray: read, transformToWebStream: () => new ReadableStream() } as never,
    });

    await handler({ Records: [record('m1', 'uploads/huge.jpg')] }, context);

    expect(read).not.toHaveBeenCalled();
    expect(putJson('failures/uploads/huge.jpg.json')).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { bytes: 6_000_000 } });
  });

  it('records SOURCE_NOT_FOUND when the upload is gone', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    const response = await handler({ Records: [record('m1', 'uploads/deleted.jpg')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(putJson('failures/uploads/deleted.jpg.json')).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('reports only the transiently failed record of a batch for redelivery', async () => {
    s3.on(GetObjectCommand, { Key: 'uploads/good.jpg' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    s3.on(GetObjectCommand, { Key: 'uploads/broken.jpg' }).resolves({ ContentLength: 0, Body: body(Buffer.alloc(0)) });
    s3.on(GetObjectCommand, { Key: 'uploads/throttled.jpg' }).rejects(Object.assign(new Error('Slow Down'), { name: 'SlowDown', $retryable: {} }));

    const response = await handler(
      { Records: [record('good', 'uploads/good.jpg'), record('broken', 'uploads/broken.jpg'), record('throttled', 'uploads/throttled.jpg', 2)] },
      context,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'throttled' }]);
    expect(putJson('failures/uploads/broken.jpg.json')).toMatchObject({ code: 'IMAGE_EMPTY' });
    expect(objectsPut().has('image/good.jpg/manifest.json')).toBe(true);
    expect(objectsPut().has('failures/uploads/throttled.jpg.json')).toBe(false);
  });

  it('retries when writing outputs fails, and writes no manifest', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: photo.length, Body: body(photo) });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Internal Error'), { name: 'InternalError' }));

    const response = await handler({ Records: [record('m1', 'uploads/a.jpg')] }, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const attempted = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(attempted.length).toBeGreaterThan(0);
    expect(attempted.filter((key) => key?.endsWith('manifest.json') || key?.startsWith('failures/'))).toEqual([]);
  });

  it('redelivery rewrites byte-identical outputs', async () => {
    s3.on(GetObjectCommand).callsFake(async () => ({ ContentLength: photo.length, Body: body(photo) }));
    await handler({ Records: [record('m1', 'uploads/a.jpg')] }, context);
    const first = objectsPut();
    s3.resetHistory();
    await handler({ Records: [record('m1', 'uploads/a.jpg', 2)] }, context);
    const second = objectsPut();
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [key, put] of first) {
      expect(Buffer.from(second.get(key)!.body as Uint8Array).equals(Buffer.from(put.body as Uint8Array)), key).toBe(true);
    }
  });

  it("lets S3's test event and a non-S3 message go without writing anything", async () => {
    const test = { ...record('t', 'x'), body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) };
    const junk = { ...record('j', 'x'), body: 'hello' };
    const response = await handler({ Records: [test, junk] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
