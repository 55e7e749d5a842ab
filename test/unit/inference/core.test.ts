import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentError } from '../../../functions/shared/errors.ts';
import { defaultImageModel, disposeDefaultImageModels, type ImageModel, modelSha256, ModelSpecSchema, readNsfwjsModelFiles } from '../../../functions/shared/model/index.ts';
import { type ImageEntry, type JobResult, runInference, sourceNotFound } from '../../../functions/inference/core.ts';
import { InferenceErrorCode } from '../../../functions/inference/errors.ts';
import { modelForJob } from '../../../functions/inference/models.ts';
import { cartoonPng, gradientPng, largeFlatJpeg, noiseJpeg, truncatedJpeg } from '../../fixtures/model-images.ts';

let model: ImageModel;
let cartoon: Buffer;
let gradient: Buffer;
beforeAll(async () => {
  model = await defaultImageModel();
  cartoon = await cartoonPng();
  gradient = await gradientPng();
});
afterAll(() => disposeDefaultImageModels());

async function refused(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { code: string; details: Record<string, unknown> },
  );
  expect(isPermanentError(error)).toBe(true);
  return error!;
}

describe('inference on one image', () => {
  it('reports top-K classes with probabilities, timings, and the model with its sha256', async () => {
    const result = await runInference([{ key: 'jobs/cartoon.png', bytes: cartoon }], { model, topK: 2 });
    expect(result).toMatchObject({
      status: 'succeeded',
      model: { name: 'nsfwjs-mobilenet-v2', version: model.version, sha256: model.sha256, backend: 'wasm' },
      topK: 2,
      summary: { images: 1, succeeded: 1, failed: 0 },
      timings: { batchSize: 1 },
    });
    const [image] = result.images;
    expect(image).toMatchObject({ key: 'jobs/cartoon.png', status: 'succeeded', width: 448, height: 448, format: 'png', bytes: cartoon.length });
    if (image?.status !== 'succeeded') throw new Error('expected success');
    expect(image.top).toHaveLength(2);
    expect(image.top[0]!.label).toBe('Neutral');
    expect(image.top[0]!.probability).toBeGreaterThan(image.top[1]!.probability);
    expect(image.timings.preprocessMs).toBeGreaterThan(0);
    expect(image.timings.predictMs).toBeGreaterThan(0);
    // The result is the JSON document the pipeline writes.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('clamps topK to the label count and defaults it to 3', async () => {
    const all = await runInference([{ key: 'a', bytes: gradient }], { model, topK: 50 });
    expect(all.topK).toBe(5);
    const image = all.images[0]!;
    if (image.status !== 'succeeded') throw new Error('expected success');
    expect(image.top.map((c) => c.label).sort()).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(image.top[0]!.label).toBe('Drawing');
    expect((await runInference([{ key: 'a', bytes: gradient }], { model })).topK).toBe(3);
  });

  it("fails a single-image job with the image's own code", async () => {
    const text = await refused(runInference([{ key: 'jobs/readme.jpg', bytes: new TextEncoder().encode('just text, named .jpg') }], { model }));
    expect(text.code).toBe(InferenceErrorCode.INFERENCE_NOT_AN_IMAGE);
    expect(text.details.key).toBe('jobs/readme.jpg');
    const big = await refused(runInference([{ key: 'jobs/huge.jpg', bytes: await largeFlatJpeg(3000, 2000) }], { model, maxPixels: 5_000_000 }));
    expect(big.code).toBe(InferenceErrorCode.INFERENCE_TOO_MANY_PIXELS);
    expect(big.details).toMatchObject({ width: 3000, height: 2000, maxPixels: 5_000_000 });
    expect((await refused(runInference([{ key: 'cut.jpg', bytes: await truncatedJpeg() }], { model }))).code).toBe(InferenceErrorCode.INFERENCE_IMAGE_CORRUPT);
    expect((await refused(runInference([sourceNotFound('jobs/gone.jpg')], { model }))).code).toBe(InferenceErrorCode.INFERENCE_SOURCE_NOT_FOUND);
    expect((await refused(runInference([], { model }))).code).toBe(InferenceErrorCode.INFERENCE_MANIFEST_EMPTY);
  });
});

describe('inference on a manifest', () => {
  it('runs the good images as one batch and fails the bad ones per image: partial success', async () => {
    const entries: ImageEntry[] = [
      { key: 'jobs/cartoon.png', bytes: cartoon },
      { key: 'jobs/notes.jpg', bytes: new TextEncoder().encode('not an image') },
      sourceNotFound('jobs/missing.jpg'),
      { key: 'jobs/gradient.png', bytes: gradient },
      { key: 'jobs/huge.jpg', bytes: await largeFlatJpeg(3000, 2000) },
    ];
    const tensors = tf.memory().numTensors;
    const result = await runInference(entries, { model, topK: 1, maxPixels: 5_000_000 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.status).toBe('partial');
    expect(result.summary).toEqual({ images: 5, succeeded: 2, failed: 3 });
    expect(result.timings.batchSize).toBe(2);
    expect(result.images.map((i) => [i.key, i.status === 'succeeded' ? i.top[0]!.label : i.error.code])).toEqual([
      ['jobs/cartoon.png', 'Neutral'],
      ['jobs/notes.jpg', InferenceErrorCode.INFERENCE_NOT_AN_IMAGE],
      ['jobs/missing.jpg', InferenceErrorCode.INFERENCE_SOURCE_NOT_FOUND],
      ['jobs/gradient.png', 'Drawing'],
      ['jobs/huge.jpg', InferenceErrorCode.INFERENCE_TOO_MANY_PIXELS],
    ]);
  });

  it('gives each image of a batch the probabilities it gets alone (within 1e-6)', async () => {
    const photos = await Promise.all([1, 2, 3].map((seed) => noiseJpeg(seed)));
    const batch = await runInference(photos.map((bytes, i) => ({ key: `p${i}`, bytes })), { model, topK: 5 });
    for (const [i, bytes] of photos.entries()) {
      const alone = await runInference([{ key: `p${i}`, bytes }], { model, topK: 5 });
      const a = probabilities(alone, 0);
      const b = probabilities(batch, i);
      for (const label of Object.keys(a)) expect(Math.abs(a[label]! - b[label]!)).toBeLessThan(1e-6);
    }
  });

  it('fails the job when every image failed, listing each reason', async () => {
    const error = await refused(runInference([sourceNotFound('a.jpg'), { key: 'b.jpg', bytes: new Uint8Array([1, 2, 3]) }], { model }));
    expect(error.code).toBe(InferenceErrorCode.INFERENCE_ALL_IMAGES_FAILED);
    expect(error.details.images).toEqual([
      { key: 'a.jpg', code: InferenceErrorCode.INFERENCE_SOURCE_NOT_FOUND, message: expect.stringContaining('a.jpg') },
      { key: 'b.jpg', code: InferenceErrorCode.INFERENCE_NOT_AN_IMAGE, message: expect.stringContaining('b.jpg') },
    ]);
  });
});

describe('choosing the model of a job', () => {
  const graphFiles = readNsfwjsModelFiles('mobilenet_v2_mid');
  const spec = ModelSpecSchema.parse({ name: 'ad-safety', sha256: modelSha256(graphFiles), labels: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] });
  const reads: string[] = [];
  const readFile = async (s: { name: string }, file: string) => {
    reads.push(`${s.name}/${file}`);
    if (file === 'model.json') return graphFiles.modelJson;
    const bytes = graphFiles.weights.get(file);
    if (!bytes) throw new Error(`no such file ${file}`);
    return bytes;
  };

  it('uses the default model when the manifest names none, or names it', async () => {
    expect(await modelForJob(undefined, { models: [], readFile })).toBe(model);
    expect(await modelForJob('nsfwjs-mobilenet-v2', { models: [], readFile })).toBe(model);
  });

  it('loads a configured model from its files once, verified, and reuses it', async () => {
    const first = await modelForJob('ad-safety', { models: [spec], readFile });
    const again = await modelForJob('ad-safety', { models: [spec], readFile });
    expect(again).toBe(first);
    expect(reads).toEqual(['ad-safety/model.json', 'ad-safety/group1-shard1of2', 'ad-safety/group1-shard2of2']);
    const result = await runInference([{ key: 'c.png', bytes: cartoon }], { model: first });
    expect(result.model).toMatchObject({ name: 'ad-safety', sha256: spec.sha256 });
  });

  it('refuses a configured model whose files do not match its sha256, and an unknown model', async () => {
    const wrong = { ...spec, name: 'tampered', sha256: 'f'.repeat(64) };
    expect((await refused(modelForJob('tampered', { models: [wrong], readFile }))).code).toBe(InferenceErrorCode.INFERENCE_MODEL_HASH_MISMATCH);
    const unknown = await refused(modelForJob('resnet', { models: [spec], readFile }));
    expect(unknown.code).toBe(InferenceErrorCode.INFERENCE_MODEL_UNKNOWN);
    expect(unknown.message).toMatch(/available: nsfwjs-mobilenet-v2, ad-safety/);
  });
});

function probabilities(result: JobResult, index: number): Record<string, number> {
  const image = result.images[index]!;
  if (image.status !== 'succeeded') throw new Error(`image ${index} failed`);
  return Object.fromEntries(image.top.map((c) => [c.label, c.probability]));
}
