import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultImageModel, disposeDefaultImageModels, type ImageModel } from '../../../functions/shared/model/index.ts';
import {
  type Frame,
  ModerationErrorCode,
  moderationReport,
  ModerationSettingsSchema,
  noModerationProvider,
  nsfwjsProvider,
  thresholdsFor,
} from '../../../functions/shared/moderation/index.ts';
import { createModerationProvider } from '../../../functions/shared/moderation/providers.ts';
import { cartoonPng, gradientPng, noiseJpeg } from '../../fixtures/model-images.ts';

let model: ImageModel;
let frames: Frame[];
const jpeg = async (png: Promise<Buffer>) => new Uint8Array(await sharp(await png).resize(640, 360, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer());

beforeAll(async () => {
  model = await defaultImageModel();
  frames = [
    { timestampMs: 0, jpeg: await jpeg(cartoonPng()) },
    { timestampMs: 5000, jpeg: await jpeg(gradientPng()) },
    { timestampMs: 10000, jpeg: new Uint8Array(await noiseJpeg(1, 640, 360)) },
  ];
});
afterAll(() => disposeDefaultImageModels());

describe('the nsfwjs moderation provider', () => {
  it('labels each frame in order, in batches, reporting the model it used', async () => {
    const provider = nsfwjsProvider({ model, minConfidence: 0, batchSize: 2 });
    expect(provider.model).toEqual({ name: model.name, version: model.version, sha256: model.sha256 });
    const tensors = tf.memory().numTensors;
    const results = await provider.classify(frames);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(results.map((r) => r.timestampMs)).toEqual([0, 5000, 10000]);
    expect(results.map((r) => r.labels[0]!.label)).toEqual(['Neutral', 'Drawing', 'Neutral']);
    for (const r of results) {
      expect(r.labels).toHaveLength(5);
      expect(r.labels.map((l) => l.score)).toEqual([...r.labels.map((l) => l.score)].sort((a, b) => b - a));
    }
    // Batching does not change an answer: one frame alone scores as it did in its batch.
    const [alone] = await provider.classify([frames[1]!]);
    alone!.labels.forEach((l, i) => expect(Math.abs(l.score - results[1]!.labels[i]!.score)).toBeLessThan(1e-6));
  });

  it('reports only labels at or above the min confidence', async () => {
    const results = await nsfwjsProvider({ model, minConfidence: 0.5, batchSize: 16 }).classify(frames);
    for (const r of results) {
      expect(r.labels.length).toBeLessThanOrEqual(1);
      for (const l of r.labels) expect(l.score).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('allows generated safe frames end to end: provider → report', async () => {
    const settings = ModerationSettingsSchema.parse({});
    const provider = await createModerationProvider(settings, { model });
    const classified = await provider.classify(frames);
    const report = moderationReport({ provider, frames: classified, thresholds: thresholdsFor(settings), segmentGapMs: settings.segmentGapMs, maxEvidenceFrames: settings.maxEvidenceFrames });
    expect(report).toMatchObject({ verdict: 'allow', provider: 'nsfwjs', frames: 3, flaggedFrames: 0, segments: [], evidence: [], model: { sha256: model.sha256 } });
  });

  it('fails a frame that is not an image with VIDEO_MODERATION_FRAME_UNREADABLE naming its timestamp', async () => {
    const provider = nsfwjsProvider({ model, minConfidence: 0.5, batchSize: 4 });
    const error = await provider.classify([frames[0]!, { timestampMs: 7000, jpeg: new TextEncoder().encode('not a frame') }]).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: object },
    );
    expect(error).toMatchObject({ code: ModerationErrorCode.VIDEO_MODERATION_FRAME_UNREADABLE, details: { timestampMs: 7000, problem: 'not-an-image' } });
    expect(error?.message).toMatch(/7000 ms/);
  });

  it("'none' labels nothing and needs no model", async () => {
    const provider = await createModerationProvider(ModerationSettingsSchema.parse({ provider: 'none' }));
    expect(provider.model).toBeUndefined();
    expect(await provider.classify(frames)).toEqual([0, 5000, 10000].map((timestampMs) => ({ timestampMs, labels: [] })));
    expect(noModerationProvider().name).toBe('none');
  });

  it("'rekognition' without a client is a configuration error, not a silent fallback", async () => {
    await expect(createModerationProvider(ModerationSettingsSchema.parse({ provider: 'rekognition' }))).rejects.toThrow(/needs a RekognitionClient/);
  });
});
