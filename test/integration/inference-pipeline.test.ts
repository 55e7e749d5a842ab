import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDocument } from '../../functions/inference/job.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { cartoonPng, noiseJpeg } from '../fixtures/model-images.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { PROJECT_ROOT, presetAssembly } from './helpers/assemblies.ts';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';

/**
 * The inference pipeline of the `ai` preset, synthesized by cdk (bundled asset: tfjs, the nsfwjs
 * model and wasm files copied in) and run by the local runtime.
 */
describe('inference pipeline through the local runtime', () => {
  let assembly: string;
  let runtime: LocalRuntime;
  const dir = mkdtempSync(join(tmpdir(), 'inference-it-'));

  beforeAll(async () => {
    assembly = await presetAssembly('ai');
    runtime = await LocalRuntime.start({ assemblyDirectory: assembly, onWarning: () => {} });
  }, 300_000);
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const route = () => runtime.pipeline('inference')!;
  const readJson = async (bucket: string, key: string) => {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as unknown;
  };

  it('media-kit run --json --pipeline inference photo.jpg reports the predictions and the model hash', async () => {
    const photo = join(dir, 'photo.jpg');
    writeFileSync(photo, await noiseJpeg(7, 480, 360));
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'media-kit.js'), 'run', '--json', '--assembly', assembly, '--pipeline', 'inference', '--timeout', '60', photo], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    const [item] = report.items;
    expect(item).toMatchObject({ pipeline: 'inference', key: 'jobs/photo.jpg', status: 'succeeded' });
    const result = item.result as JobDocument;
    expect(result.model).toMatchObject({ name: 'nsfwjs-mobilenet-v2', backend: 'wasm', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const image = result.images[0]!;
    expect(image.status).toBe('succeeded');
    if (image.status === 'succeeded') {
      expect(image.top.length).toBe(result.topK);
      const total = image.top.reduce((sum, t) => sum + t.probability, 0);
      // The ai preset reports all five classes: a probability distribution.
      expect(Math.abs(total - 1)).toBeLessThan(1e-4);
    }
  }, 240_000);

  it('runs a manifest naming images under jobs/ as one batch, a missing one failing alone (partial)', async () => {
    const { ingestBucket, resultsBucket } = route();
    await runtime.s3.send(new PutObjectCommand({ Bucket: ingestBucket, Key: 'jobs/batch/a.jpg', Body: await noiseJpeg(3, 320, 240), ContentType: 'image/jpeg' }));
    await runtime.s3.send(new PutObjectCommand({ Bucket: ingestBucket, Key: 'jobs/batch/b.png', Body: await cartoonPng(), ContentType: 'image/png' }));
    const manifest = { images: ['jobs/batch/a.jpg', 'jobs/batch/b.png', 'jobs/batch/missing.jpg'], topK: 2 };
    const task = await runtime.upload(route(), 'batch.json', Buffer.from(JSON.stringify(manifest)), 'application/json');
    const done = await task.done;
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const result = (await readJson(resultsBucket, done.resultKey)) as JobDocument;
    expect(result).toMatchObject({ status: 'partial', topK: 2, summary: { images: 3, succeeded: 2, failed: 1 }, timings: { batchSize: 2 } });
    expect(result.images.map((i) => (i.status === 'failed' ? i.error.code : i.status))).toEqual(['succeeded', 'succeeded', 'INFERENCE_SOURCE_NOT_FOUND']);
  }, 120_000);

  it('fails a manifest over its image limit with a failure record naming the limit', async () => {
    const images = Array.from({ length: 33 }, (_, i) => `jobs/many/${i}.jpg`);
    const task = await runtime.upload(route(), 'too-many.json', Buffer.from(JSON.stringify({ images })), 'application/json');
    const done = await task.done;
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'INFERENCE_MANIFEST_TOO_LARGE' });
  }, 120_000);

  it('the bundled index function appends the job to its model\'s daily JSONL once, however often the event comes', async () => {
    const { resultsBucket } = route();
    const task = await runtime.upload(route(), 'indexed.jpg', await noiseJpeg(11, 256, 256), 'image/jpeg');
    const done = await task.done;
    expect(done.status).toBe('succeeded');
    const indexHost = [...runtime.hosts.values()].find((host) => host.spec.name.includes('InferencePipelineIndex'));
    expect(indexHost, 'the index function is in the assembly').toBeDefined();
    // The S3 → EventBridge `Object Created` event the rule delivers (the runtime's EventBridge does
    // too), delivered again by hand twice, as redeliveries would be.
    const event = {
      version: '0',
      id: 'e-1',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '000000000000',
      region: 'us-east-1',
      time: new Date().toISOString(),
      resources: [],
      detail: { version: '0', bucket: { name: resultsBucket }, object: { key: done.resultKey }, reason: 'PutObject' },
    };
    for (const id of ['e-1', 'e-2']) {
      const invocation = await indexHost!.invoke({ ...event, id });
      expect(invocation.ok, JSON.stringify(invocation.error)).toBe(true);
    }
    const result = (await readJson(resultsBucket, done.resultKey)) as JobDocument;
    const day = result.job.submittedAt!.slice(0, 10);
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: resultsBucket, Key: `inference-index/${result.model.name}/${day}.jsonl` }));
    const lines = (await object.Body!.transformToString()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const mine = lines.filter((l) => l.resultKey === done.resultKey);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ input: { key: 'jobs/indexed.jpg' }, model: { sha256: result.model.sha256 }, status: 'succeeded' });
  }, 120_000);
});

/** With the local runtime's EventBridge: result.json's creation drives the index and `Inference Completed`. */
describe('inference post-processing through the local EventBridge', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const { directory } = await ensureAssembly({
      projectRoot: PROJECT_ROOT,
      preset: 'test-inference-events',
      app: 'npx tsx test/integration/fixtures/inference-events-app.ts',
      inputs: ['lib/constructs', 'lib/pipelines', 'functions/shared', 'functions/inference', 'functions/inference-index', 'test/integration/fixtures/inference-events-app.ts', 'cdk.json', 'package-lock.json'],
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: directory, onWarning: () => {} });
  }, 300_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('indexes each job once and publishes Inference Completed to a subscribed queue', async () => {
    const route = runtime.pipeline('inference')!;
    const task = await runtime.upload(route, 'evented.jpg', await noiseJpeg(5, 256, 192), 'image/jpeg');
    const done = await task.done;
    expect(done.status).toBe('succeeded');
    const queueId = Object.entries(runtime.index.stack('MediaKitTest-inference-events').template.Resources ?? {}).find(
      ([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith('InferenceCompleted'),
    )![0];
    const queueUrl = runtime.index.identity('MediaKitTest-inference-events', queueId).attributes.QueueUrl!;
    let body: any;
    for (let round = 0; round < 30 && !body; round++) {
      const out = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      body = out.Messages?.map((m) => JSON.parse(m.Body!)).find((e) => e.detail?.resultKey === done.resultKey);
    }
    expect(body, 'Inference Completed reached the subscriber').toBeDefined();
    expect(body).toMatchObject({ source: 'media-kit', 'detail-type': 'Inference Completed', detail: { pipeline: 'inference', input: { key: 'jobs/evented.jpg' }, status: 'succeeded' } });
    const result = JSON.parse(await (await runtime.s3.send(new GetObjectCommand({ Bucket: route.resultsBucket, Key: done.resultKey }))).Body!.transformToString()) as JobDocument;
    const dailyKey = body.detail.index.key as string;
    expect(dailyKey).toBe(`inference-index/${result.model.name}/${result.job.submittedAt!.slice(0, 10)}.jsonl`);
    const lines = (await (await runtime.s3.send(new GetObjectCommand({ Bucket: route.resultsBucket, Key: dailyKey }))).Body!.transformToString()).split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).resultKey)).toEqual([done.resultKey]);
  }, 180_000);
});
