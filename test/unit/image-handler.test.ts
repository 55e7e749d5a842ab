import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IMAGE_ERROR_CODES } from '../../functions/image-transcode/error-codes.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { encodeS3Key } from '../../functions/shared/keys.ts';
import * as fixtures from '../fixtures/images.ts';

const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const WORK_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/work';
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handler: Handler;
let photo: Buffer;

const context = { awsRequestId: 'req-1', functionName: 'image-transcode', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function record(id: string, key: string, receiveCount = 1, eTag = 'etag-1', sequencer = '0A'): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'ingest-bucket' }, object: { key: encodeS3Key(key), size: 100, eTag, sequencer } },
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

function body(bytes: Buffer | string) {
  return {
    transformToByteArray: async () => new Uint8Array(Buffer.from(bytes)),
    transformToString: async () => Buffer.from(bytes).toString('utf8'),
    transformToWebStream: () => new ReadableStream(),
  } as never;
}

/** An outcome already stored in the results bucket for `key`, of the upload with `sequencer`. */
function stored(key: string, sequencer: string) {
  s3.on(GetObjectCommand, { Bucket: 'results-bucket', Key: key }).resolves({
    Body: body(JSON.stringify({ input: { bucket: 'ingest-bucket', key: 'uploads/x.jpg', eTag: 'other', sequencer } })),
  });
}

const notFound = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

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
  vi.stubEnv(
    EnvName.PIPELINE_CONTRACT,
    JSON.stringify({ id: 'image', ingestPrefix: 'uploads/', outputPrefix: 'image/', resultDocument: 'manifest.json', errorCodes: IMAGE_ERROR_CODES }),
  );
  vi.stubEnv(EnvName.TIME_BUDGET_MS, '2000');
  vi.stubEnv(EnvName.WORK_QUEUE_URL, WORK_QUEUE_URL);
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
  sqs.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({});
  // No earlier outcome of any key unless a test stores one.
  s3.on(GetObjectCommand, { Bucket: 'results-bucket' }).rejects(notFound());
  sqs.on(SendMessageCommand).resolves({ MessageId: 'resent' });
});
afterEach(() => vi.restoreAllMocks());

describe('image-transcode handler', () => {
  it('decodes the event key, writes the renditions, then the manifest', async () => {
    const key = 'uploads/summer trip/猫 + dog.jpg';
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: key }).resolves({ ContentLength: photo.length, Body: body(photo) });

    const response = await handler({ Records: [record('m1', key)] }, context);
    // Read pinned to the event's upload, and checked again just before writing.
    expect(s3.commandCalls(GetObjectCommand, { Bucket: 'ingest-bucket' })[0]!.args[0].input).toMatchObject({ Key: key, IfMatch: '"etag-1"' });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'ingest-bucket', Key: key, IfMatch: '"etag-1"' });

    expect(response.batchItemFailures).toEqual([]);
    const folder = 'image/summer trip/猫 + dog.jpg/';
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect([...puts].sort()).toEqual([`${folder}manifest.json`, `${folder}thumb.jpg`, `${folder}web.webp`].sort());
    expect(puts.at(-1)).toBe(`${folder}manifest.json`);
    expect(objectsPut().get(`${folder}web.webp`)?.contentType).toBe('image/webp');

    const manifest = putJson(`${folder}manifest.json`);
    expect(manifest).toMatchObject({
      pipeline: 'image',
      input: { bucket: 'ingest-bucket', key, eTag: 'etag-1', sequencer: '0A' },
      source: { format: 'jpeg', width: 640, height: 480, bytes: photo.length },
      renditions: [
        { name: 'thumb', key: `${folder}thumb.jpg`, width: 64, height: 64, format: 'jpeg' },
        { name: 'web', key: `${folder}web.webp`, width: 320, height: 240, format: 'webp' },
      ],
    });
  });

  it('writes a failure record for bad input and does not retry it, removing an older upload\'s result', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: 44, Body: body(fixtures.textPretendingToBeJpeg) });
    stored('image/notes.jpg/manifest.json', '09');

    const response = await handler({ Records: [record('m1', 'uploads/notes.jpg')] }, context);

    expect(response.batchItemFailures).toEqual([]);
    expect(putJson('failures/uploads/notes.jpg.json')).toMatchObject({
      input: { bucket: 'ingest-bucket', key: 'uploads/notes.jpg', eTag: 'etag-1', sequencer: '0A' },
      pipeline: 'image',
      code: 'IMAGE_NOT_AN_IMAGE',
      message: expect.stringContaining('not an image'),
    });
    expect([...objectsPut().keys()]).toEqual(['failures/uploads/notes.jpg.json']);
    // The result of an earlier upload of the same key goes: one outcome per key.
    expect(deleted()).toEqual(['image/notes.jpg/manifest.json']);
  });

  it('never deletes a newer upload\'s result: the older failure is superseded instead', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: 44, Body: body(fixtures.textPretendingToBeJpeg) });
    stored('image/notes.jpg/manifest.json', '0B');

    const response = await handler({ Records: [record('m1', 'uploads/notes.jpg')] }, context);

    expect(response.batchItemFailures).toEqual([]);
    expect(objectsPut().size).toBe(0);
    expect(deleted()).toEqual([]);
  });

  it('removes an earlier failure record when the key later succeeds, but not a newer one', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    stored('failures/uploads/fixed.jpg.json', '09');
    stored('failures/uploads/newer.jpg.json', '0B');
    await handler({ Records: [record('m1', 'uploads/fixed.jpg'), record('m2', 'uploads/newer.jpg'), record('m3', 'uploads/clean.jpg')] }, context);
    expect(deleted()).toEqual(['failures/uploads/fixed.jpg.json']);
    expect(objectsPut().has('image/newer.jpg/manifest.json')).toBe(true);
  });

  it('ends a task superseded when the object was overwritten after its event: nothing written', async () => {
    const preconditionFailed = new S3ServiceException({
      name: 'PreconditionFailed',
      $fault: 'client',
      $metadata: { httpStatusCode: 412 },
      message: 'At least one of the pre-conditions you specified did not hold',
    });
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: 'uploads/old.jpg' }).rejects(preconditionFailed);
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: 'uploads/new.jpg' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    s3.on(HeadObjectCommand, { Key: 'uploads/raced.jpg' }).rejects(
      new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: '' }),
    );
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: 'uploads/raced.jpg' }).resolves({ ContentLength: photo.length, Body: body(photo) });

    const response = await handler(
      { Records: [record('old', 'uploads/old.jpg'), record('raced', 'uploads/raced.jpg'), record('new', 'uploads/new.jpg')] },
      context,
    );

    expect(response.batchItemFailures).toEqual([]);
    // The overwritten one (412 on read) and the one overwritten while it was transcoded (412 on the
    // check before writing) write nothing at all, not even a failure record.
    expect([...objectsPut().keys()].filter((key) => !key.startsWith('image/new.jpg/'))).toEqual([]);
    expect(objectsPut().has('image/new.jpg/manifest.json')).toBe(true);
    expect(deleted()).toEqual([]);
  });

  it('retries when the failure record cannot be written', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: 0, Body: body(Buffer.alloc(0)) });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const response = await handler({ Records: [record('m1', 'uploads/empty.jpg')] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('sends a record it has no time for back to the queue as a fresh message, not toward the DLQ', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    // 60 s left for the first record; then less than one budget (2 s) plus the reserve.
    const remaining = [60_000, 60_000, 2_500];
    const short = { ...context, getRemainingTimeInMillis: () => remaining.shift() ?? 2_500 } as Context;
    const second = record('second', 'uploads/b.jpg', 2);
    const response = await handler({ Records: [record('first', 'uploads/a.jpg'), second] }, short);
    // Reported processed: the original is deleted, the copy starts again at receive count 1.
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: WORK_QUEUE_URL, MessageBody: second.body }]);
    expect(objectsPut().has('image/a.jpg/manifest.json')).toBe(true);
    expect(s3.commandCalls(GetObjectCommand, { Bucket: 'ingest-bucket' }).map((c) => c.args[0].input.Key)).toEqual(['uploads/a.jpg']);
  });

  it('keeps a record it has no time for in flight when it cannot be sent back', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    const remaining = [60_000, 60_000, 1_000];
    const short = { ...context, getRemainingTimeInMillis: () => remaining.shift() ?? 1_000 } as Context;
    const response = await handler({ Records: [record('first', 'uploads/a.jpg'), record('second', 'uploads/b.jpg')] }, short);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'second' }]);
  });

  it('times out a slow object alone with IMAGE_PROCESSING_TIMEOUT; its batch-mates succeed', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    // Its download outlasts the 2 s budget.
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket', Key: 'uploads/slow.jpg' }).callsFake(
      () => new Promise((resolve) => setTimeout(() => resolve({ ContentLength: photo.length, Body: body(photo) }), 2_300)),
    );
    const response = await handler(
      { Records: [record('a', 'uploads/a.jpg'), record('slow', 'uploads/slow.jpg'), record('b', 'uploads/b.jpg')] },
      context,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(putJson('failures/uploads/slow.jpg.json')).toMatchObject({ code: 'IMAGE_PROCESSING_TIMEOUT', details: { budgetMs: 2000 } });
    expect(objectsPut().has('image/slow.jpg/manifest.json')).toBe(false);
    expect(objectsPut().has('image/a.jpg/manifest.json')).toBe(true);
    expect(objectsPut().has('image/b.jpg/manifest.json')).toBe(true);
  }, 15_000);

  it('refuses an object over the byte limit from its Content-Length, before reading it', async () => {
    const read = vi.fn();
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({
      ContentLength: 6_000_000,
      Body: { transformToByteArray: read, transformToWebStream: () => new ReadableStream() } as never,
    });

    await handler({ Records: [record('m1', 'uploads/huge.jpg')] }, context);

    expect(read).not.toHaveBeenCalled();
    expect(putJson('failures/uploads/huge.jpg.json')).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { bytes: 6_000_000 } });
  });

  it('records SOURCE_NOT_FOUND when the upload is gone', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
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
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).resolves({ ContentLength: photo.length, Body: body(photo) });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Internal Error'), { name: 'InternalError' }));

    const response = await handler({ Records: [record('m1', 'uploads/a.jpg')] }, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const attempted = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(attempted.length).toBeGreaterThan(0);
    expect(attempted.filter((key) => key?.endsWith('manifest.json') || key?.startsWith('failures/'))).toEqual([]);
  });

  it('redelivery rewrites byte-identical outputs', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest-bucket' }).callsFake(async () => ({ ContentLength: photo.length, Body: body(photo) }));
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

  it("skips S3's test event; a non-S3 message or record is retried (then dead-lettered), never dropped", async () => {
    const test = { ...record('t', 'x'), body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) };
    const junk = { ...record('j', 'x'), body: 'hello' };
    const sns = { ...record('n', 'x'), body: JSON.stringify({ Records: [{ eventSource: 'aws:sns', Sns: { Message: 'hi' } }] }) };
    const response = await handler({ Records: [test, junk, sns] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'j' }, { itemIdentifier: 'n' }]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
