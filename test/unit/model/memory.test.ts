import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultImageModel, disposeDefaultImageModels, type ImageModel } from '../../../functions/shared/model/index.ts';
import { noiseJpeg } from '../../fixtures/model-images.ts';

/**
 * nsfwjs on Node is known to grow without bound when a tensor is leaked per classification. Every
 * prediction here goes through the full path (decode, preprocess, batch, predict, read back).
 */
let model: ImageModel;
let images: Buffer[];
beforeAll(async () => {
  model = await defaultImageModel();
  images = await Promise.all(Array.from({ length: 10 }, (_, seed) => noiseJpeg(seed, 160, 120)));
});
afterAll(() => disposeDefaultImageModels());

async function classify(count: number, batchSize: number): Promise<void> {
  for (let done = 0; done < count; done += batchSize) {
    const inputs = await Promise.all(images.slice(0, batchSize).map((bytes) => model.preprocess(bytes)));
    const rows = await model.predict(inputs);
    expect(rows).toHaveLength(batchSize);
  }
}

describe('memory over many classifications', () => {
  it('keeps the tensor count unchanged and RSS bounded over 100 classifications (the bench runs 2 000)', async () => {
    await classify(20, 10); // warm-up: kernels compiled, wasm heap grown to its working size
    const tensors = tf.memory().numTensors;
    const rss = process.memoryUsage().rss;
    await classify(100, 10);
    expect(tf.memory().numTensors).toBe(tensors);
    const growth = process.memoryUsage().rss - rss;
    // A leaked 224x224x3 float input alone is 600 kB: 100 of them would be 60 MB.
    expect(growth).toBeLessThan(30 * 1024 * 1024);
  });
});
