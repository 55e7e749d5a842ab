import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { INFERENCE_ERROR_CODES } from '../../../functions/inference/errors.ts';
import { EnvName } from '../../../functions/shared/env-names.ts';
import { encodeS3Key } from '../../../functions/shared/keys.ts';
import { modelSha256, readNsfwjsModelFiles } from '../../../functions/shared/model/index.ts';
import { noiseJpeg, truncatedJpeg } from '../../fixtures/model-images.ts';

/** The inference handler on mocked S3: jobs of one image or a manifest, limits, missing images, models. */
const s3 = mockClient(S3Client);
mockClient(SQSClient);
type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handler: Handler;
const context = { awsRequestId: 'req-1', functionName: 'inference', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;
const LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const byo = readNsfwjsModelFiles('mobilenet_v2_mid');
let photo: Buffer;
let photo2: Buffer;

function record(id: string, key: string, eTag = 'etag-1', sequencer = '0A'): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify({
      Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2026-12-01T08:00:00.000Z', s3: { bucket: { name: 'ingest' }, object: { key: encodeS3Key(key), size: 100, eTag, sequencer } } }],
    }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's3', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
    awsRegion: 'us-east-1',
  };
}

function body(bytes: Uint8Array | string) {
  return {
    transformToByteArray: async () => new Uint8Array(Buffer.from(bytes)),
    transformToString: async () => Buffer.from(bytes).toString('utf8'),
    transformToWebStream: () => new ReadableStream(),
  } as never;
}
const notFound = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

function object(bucket: string, key: string, bytes: Uint8Array | string) {
  s3.on(GetObjectCommand, { Bucket: bucket, Key: key }).resolves({ ContentLength: Buffer.from(bytes).length, Body: body(bytes) });
}
function putJson(key: string): any {
  const put = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === key);
  expect(put, `expected a PutObject of ${key}`).toBeDefined();
  return JSON.parse(String(put!.args[0].input.Body));
}
const manifest = (value: unknown) => JSON.stringify(value);

beforeAll(async () => {
  [photo, photo2] = await Promise.all([noiseJpeg(1, 320, 240), noiseJpeg(2, 200, 200)]);
  vi.stubEnv(EnvName.RESULTS_BUCKET, 'results');
  vi.stubEnv(EnvName.PIPELINE_CONTRACT, JSON.stringify({ id: 'inference', ingestPrefix: 'jobs/', outputPrefix: 'inference/', resultDocument: 'result.json', errorCodes: INFERENCE_ERROR_CODES, acceptsJsonTasks: true }));
  vi.stubEnv(EnvName.TIME_BUDGET_MS, '60000');
  vi.stubEnv(
    EnvName.PIPELINE_SETTINGS,
    JSON.stringify({
      maxImages: 4,
      maxImageBytes: 200_000,
      manifestImagePrefixes: ['job-images/'],
      models: [
        { name: 'ad-safety', version: '2', sha256: modelSha256(byo), labels: LABELS, prefix: 'models/ad-safety/' },
        { name: 'tampered', sha256: 'f'.repeat(64), labels: LABELS, prefix: 'models/ad-safety/' },
      ],
    }),
  );
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  ({ handler } = (await import('../../../functions/inference/handler.ts')) as { handler: Handler });
}, 60_000);

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(notFound());
  object('results', 'models/ad-safety/model.json', byo.modelJson);
  for (const [name, bytes] of byo.weights) object('results', `models/ad-safety/${name}`, bytes);
});

describe('inference handler', () => {
  it('classifies an image uploaded under jobs/ as a one-image job: top-K, timings, the model and its sha256', async () => {
    object('ingest', 'jobs/ad 1.jpg', photo);
    const response = await handler({ Records: [record('m1', 'jobs/ad 1.jpg')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const result = putJson('inference/ad 1.jpg/result.json');
    expect(result).toMatchObject({ pipeline: 'inference', status: 'succeeded', topK: 3, job: { kind: 'image', submittedAt: '2026-12-01T08:00:00.000Z' }, input: { key: 'jobs/ad 1.jpg', sequencer: '0A' } });
    expect(result.model).toMatchObject({ name: 'nsfwjs-mobilenet-v2', backend: 'wasm', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [image] = result.images;
    expect(image.top.map((t: any) => t.label).every((l: string) => LABELS.includes(l))).toBe(true);
    expect(image.top).toHaveLength(3);
    expect(image.top[0].probability).toBeGreaterThanOrEqual(image.top[1].probability);
    expect(image.timings.predictMs).toBeGreaterThan(0);
  }, 60_000);

  it('runs a manifest as one batch; bad and missing images fail on their own and the job says partial', async () => {
    object('ingest', 'jobs/job-1.json', manifest({ images: ['job-images/a.jpg', 'job-images/missing.jpg', 'job-images/broken.jpg', 'job-images/text.jpg'], topK: 2, model: 'ad-safety' }));
    object('ingest', 'job-images/a.jpg', photo);
    object('ingest', 'job-images/broken.jpg', await truncatedJpeg());
    object('ingest', 'job-images/text.jpg', 'not an image at all');
    await handler({ Records: [record('m1', 'jobs/job-1.json')] }, context);
    const result = putJson('inference/job-1.json/result.json');
    expect(result).toMatchObject({ status: 'partial', topK: 2, job: { kind: 'manifest' }, summary: { images: 4, succeeded: 1, failed: 3 }, model: { name: 'ad-safety', version: '2', sha256: modelSha256(byo) } });
    expect(result.images.map((i: any) => [i.key, i.status, i.error?.code])).toEqual([
      ['job-images/a.jpg', 'succeeded', undefined],
      ['job-images/missing.jpg', 'failed', 'INFERENCE_SOURCE_NOT_FOUND'],
      ['job-images/broken.jpg', 'failed', 'INFERENCE_IMAGE_CORRUPT'],
      ['job-images/text.jpg', 'failed', 'INFERENCE_NOT_AN_IMAGE'],
    ]);
    expect(result.timings.batchSize).toBe(1);
  }, 60_000);

  it('reads each image bounded: one over maxImageBytes fails alone, by its announced length', async () => {
    object('ingest', 'jobs/job-2.json', manifest({ images: ['jobs/x/a.jpg', 'jobs/x/b.jpg'] }));
    object('ingest', 'jobs/x/a.jpg', photo2);
    s3.on(GetObjectCommand, { Bucket: 'ingest', Key: 'jobs/x/b.jpg' }).resolves({ ContentLength: 300_000, Body: body('') });
    await handler({ Records: [record('m1', 'jobs/job-2.json')] }, context);
    const result = putJson('inference/job-2.json/result.json');
    expect(result.images[1]).toMatchObject({ status: 'failed', error: { code: 'INFERENCE_IMAGE_TOO_LARGE', details: { bytes: 300_000, maxImageBytes: 200_000 } } });
    expect(result.images[0].status).toBe('succeeded');
  }, 60_000);

  it.each([
    ['an empty manifest', { images: [] }, 'INFERENCE_MANIFEST_EMPTY'],
    ['a manifest over its image limit', { images: ['jobs/1', 'jobs/2', 'jobs/3', 'jobs/4', 'jobs/5'] }, 'INFERENCE_MANIFEST_TOO_LARGE'],
    ['a key outside the allowed prefixes', { images: ['uploads/private.jpg'] }, 'INFERENCE_MANIFEST_INVALID'],
    ['a misspelt field', { images: ['jobs/a.jpg'], topk: 3 }, 'INFERENCE_MANIFEST_INVALID'],
    ['an unknown model', { images: ['jobs/a.jpg'], model: 'nope' }, 'INFERENCE_MODEL_UNKNOWN'],
    ['only missing images', { images: ['jobs/gone-1.jpg', 'jobs/gone-2.jpg'] }, 'INFERENCE_ALL_IMAGES_FAILED'],
  ])('fails the job with a failure record for %s', async (_what, value, code) => {
    object('ingest', 'jobs/bad.json', manifest(value));
    object('ingest', 'jobs/a.jpg', photo2);
    const response = await handler({ Records: [record('m1', 'jobs/bad.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const failure = putJson('failures/jobs/bad.json.json');
    expect(failure).toMatchObject({ pipeline: 'inference', code });
    expect(s3.commandCalls(PutObjectCommand).some((c) => c.args[0].input.Key === 'inference/bad.json/result.json')).toBe(false);
    // Keys outside the allowed prefixes are refused before anything is read.
    if (code === 'INFERENCE_MANIFEST_INVALID') expect(s3.commandCalls(GetObjectCommand, { Key: 'uploads/private.jpg' })).toHaveLength(0);
    if (code === 'INFERENCE_ALL_IMAGES_FAILED') expect(failure.details.images.map((i: any) => i.code)).toEqual(['INFERENCE_SOURCE_NOT_FOUND', 'INFERENCE_SOURCE_NOT_FOUND']);
  }, 60_000);

  it('fails a one-image job over the byte limit with INFERENCE_IMAGE_TOO_LARGE, before reading it', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ingest', Key: 'jobs/huge.jpg' }).resolves({ ContentLength: 5_000_000, Body: { transformToWebStream: () => new ReadableStream() } as never });
    await handler({ Records: [record('m1', 'jobs/huge.jpg')] }, context);
    expect(putJson('failures/jobs/huge.jpg.json')).toMatchObject({ code: 'INFERENCE_IMAGE_TOO_LARGE' });
  });

  it('refuses a model whose bytes do not hash to its configured sha256 (permanent, never loaded)', async () => {
    object('ingest', 'jobs/tampered.json', manifest({ images: ['jobs/a.jpg'], model: 'tampered' }));
    object('ingest', 'jobs/a.jpg', photo2);
    const response = await handler({ Records: [record('m1', 'jobs/tampered.json')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    const failure = putJson('failures/jobs/tampered.json.json');
    expect(failure).toMatchObject({ code: 'INFERENCE_MODEL_HASH_MISMATCH', details: { expectedSha256: 'f'.repeat(64), actualSha256: modelSha256(byo) } });
  }, 60_000);

  it('loads a bring-your-own model once per warm environment', async () => {
    for (const n of [1, 2]) {
      object('ingest', `jobs/warm-${n}.json`, manifest({ images: ['jobs/a.jpg'], model: 'ad-safety' }));
      object('ingest', 'jobs/a.jpg', photo2);
      await handler({ Records: [record(`m${n}`, `jobs/warm-${n}.json`)] }, context);
      expect(putJson(`inference/warm-${n}.json/result.json`).model.name).toBe('ad-safety');
    }
    // The model's files were read by the earlier test at most: none by these two jobs.
    expect(s3.commandCalls(GetObjectCommand, { Key: 'models/ad-safety/model.json' })).toHaveLength(0);
  }, 60_000);
});
