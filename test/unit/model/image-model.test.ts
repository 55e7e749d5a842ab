import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultImageModel,
  disposeDefaultImageModels,
  type ImageModel,
  ModelInputError,
  NSFWJS_LABELS,
  nsfwjsVersion,
  rankLabels,
} from '../../../functions/shared/model/index.ts';
import { orientedJpeg } from '../../fixtures/images.ts';
import { cartoonPng, gradientPng, largeFlatJpeg, noiseJpeg, truncatedJpeg } from '../../fixtures/model-images.ts';

let model: ImageModel;
beforeAll(async () => {
  model = await defaultImageModel();
});
afterAll(() => disposeDefaultImageModels());

const top = async (bytes: Uint8Array) => rankLabels(model.labels, (await model.predict([await model.preprocess(bytes)]))[0]!)[0]!;

describe('the default model (nsfwjs MobileNetV2 from the package, wasm backend)', () => {
  it('identifies itself by name, version, labels and the sha256 of its bytes', () => {
    expect(model.name).toBe('nsfwjs-mobilenet-v2');
    expect(model.version).toBe(nsfwjsVersion());
    expect(model.labels).toEqual([...NSFWJS_LABELS]);
    expect(model.inputSize).toBe(224);
    expect(model.backend).toBe('wasm');
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is one instance per process: a second request reuses the loaded model', async () => {
    expect(await defaultImageModel()).toBe(model);
  });

  it('leaves no process handlers behind from the wasm glue', () => {
    // Emscripten's handlers rethrow: with them, one unhandled rejection anywhere would crash the process.
    const sources = [...process.listeners('unhandledRejection'), ...process.listeners('uncaughtException')].map(String);
    expect(sources.filter((source) => /throw (reason|ex)\b/.test(source))).toEqual([]);
  });

  it('preprocesses to 224x224 RGB floats in 0..1, keeping the displayed source size', async () => {
    const input = await model.preprocess(await noiseJpeg(1, 320, 240));
    expect(input.shape).toEqual([224, 224, 3]);
    expect(input.data).toHaveLength(224 * 224 * 3);
    expect(input.data.reduce((low, v) => Math.min(low, v), 1)).toBeGreaterThanOrEqual(0);
    expect(input.data.reduce((high, v) => Math.max(high, v), 0)).toBeLessThanOrEqual(1);
    expect(input.source).toEqual({ width: 320, height: 240, format: 'jpeg' });
  });

  it('applies EXIF orientation before scaling: the model sees the image upright', async () => {
    // Stored 64x32, red left / blue right; orientation 6 displays it 32x64 with red on top.
    const input = await model.preprocess(await orientedJpeg(6));
    expect(input.source).toEqual({ width: 32, height: 64, format: 'jpeg' });
    const pixel = (x: number, y: number) => Array.from(input.data.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3));
    expect(pixel(112, 20)[0]).toBeGreaterThan(0.8); // top: red
    expect(pixel(112, 200)[2]).toBeGreaterThan(0.8); // bottom: blue
  });

  it('gives probabilities that sum to 1 over the five classes', async () => {
    const [row] = await model.predict([await model.preprocess(await noiseJpeg(2))]);
    expect(row).toHaveLength(5);
    expect([...row!].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('classifies known generated images as measured: line-art cartoon → Neutral, smooth gradient → Drawing', async () => {
    const cartoon = await top(await cartoonPng());
    expect(cartoon.label).toBe('Neutral');
    expect(cartoon.score).toBeGreaterThan(0.9);
    const gradient = await top(await gradientPng());
    expect(gradient.label).toBe('Drawing');
    expect(gradient.score).toBeGreaterThan(0.6);
  });

  it('is deterministic: the same image gives the same probabilities within 1e-6, alone or in a batch', async () => {
    const bytes = await noiseJpeg(4);
    const first = await model.preprocess(bytes);
    const second = await model.preprocess(bytes);
    expect(second.data).toEqual(first.data);
    const [alone] = await model.predict([first]);
    const [again] = await model.predict([second]);
    const batched = await model.predict([await model.preprocess(await cartoonPng()), first, await model.preprocess(await gradientPng())]);
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(again![i]! - alone![i]!)).toBeLessThan(1e-6);
      expect(Math.abs(batched[1]![i]! - alone![i]!)).toBeLessThan(1e-6);
    }
  });

  it('refuses non-images by their first bytes, images over the pixel limit by their header, and undecodable ones', async () => {
    const refusal = (bytes: Uint8Array) => model.preprocess(bytes).then(() => undefined, (error: unknown) => error as ModelInputError);
    const text = await refusal(new TextEncoder().encode('hello, I am not a JPEG at all'));
    expect(text).toBeInstanceOf(ModelInputError);
    expect(text?.problem).toBe('not-an-image');
    expect((await refusal(new Uint8Array()))?.message).toMatch(/zero bytes/);
    expect((await refusal(await truncatedJpeg()))?.problem).toBe('corrupt');
    const big = await largeFlatJpeg(8000, 7000);
    const tooBig = await refusal(big);
    expect(tooBig?.problem).toBe('too-many-pixels');
    expect(tooBig?.details).toMatchObject({ width: 8000, height: 7000, maxPixels: 50_000_000 });
  });
});
