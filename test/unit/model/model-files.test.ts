import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPermanentError } from '../../../functions/shared/errors.ts';
import {
  type ImageModel,
  loadModelFromFiles,
  loadNsfwjsModel,
  type ModelFiles,
  ModelErrorCode,
  modelSha256,
  ModelSpecSchema,
  readNsfwjsModelFiles,
  weightPaths,
} from '../../../functions/shared/model/index.ts';
import { noiseJpeg } from '../../fixtures/model-images.ts';

/**
 * Bring-your-own models: bytes as a handler would fetch them from a models prefix. The nsfwjs
 * package's graph variant (MobileNetV2-mid) stands in for a user's tfjs graph model.
 */

let graphFiles: ModelFiles;
let graphSha: string;
let reference: ImageModel;
const spec = (sha256: string, extra: Record<string, unknown> = {}) =>
  ModelSpecSchema.parse({ name: 'ad-safety', version: '2', sha256, labels: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'], ...extra });

beforeAll(async () => {
  graphFiles = readNsfwjsModelFiles('mobilenet_v2_mid');
  graphSha = modelSha256(graphFiles);
  reference = await loadNsfwjsModel({ variant: 'mobilenet_v2_mid' });
});
afterAll(() => reference.dispose());

function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (error: unknown) => error as Error & { code: string; details: Record<string, unknown> },
  );
}

describe('model files and their sha256', () => {
  it('hashes model.json then each weight file in manifest order', () => {
    expect(weightPaths(graphFiles.modelJson)).toEqual(['group1-shard1of2', 'group1-shard2of2']);
    const swapped: ModelFiles = {
      modelJson: graphFiles.modelJson,
      weights: new Map([...graphFiles.weights].reverse()),
    };
    // Map order does not matter, the manifest's does.
    expect(modelSha256(swapped)).toBe(graphSha);
  });

  it('loads a graph model whose bytes match the configured sha256, and predicts like the reference', async () => {
    const model = await loadModelFromFiles(graphFiles, spec(graphSha, { maxBatch: 2 }));
    try {
      expect(model).toMatchObject({ name: 'ad-safety', version: '2', sha256: graphSha, inputSize: 224 });
      const inputs = await Promise.all([1, 2, 3, 4, 5].map(async (seed) => model.preprocess(await noiseJpeg(seed, 96, 64))));
      const numTensors = tf.memory().numTensors;
      // Five inputs through a network that takes two at a time: three passes, five rows.
      const rows = await model.predict(inputs);
      expect(rows).toHaveLength(5);
      expect(tf.memory().numTensors).toBe(numTensors);
      const expected = await reference.predict(inputs);
      for (const [i, row] of rows.entries()) for (let c = 0; c < 5; c++) expect(Math.abs(row[c]! - expected[i]![c]!)).toBeLessThan(1e-6);
    } finally {
      model.dispose();
    }
  });

  it('refuses tampered weights before use with INFERENCE_MODEL_HASH_MISMATCH naming both hashes', async () => {
    const shard = new Uint8Array(graphFiles.weights.get('group1-shard2of2')!);
    shard[100] = shard[100]! ^ 0xff;
    const tampered: ModelFiles = { modelJson: graphFiles.modelJson, weights: new Map([...graphFiles.weights, ['group1-shard2of2', shard]]) };
    const numTensors = tf.memory().numTensors;
    const error = await refusal(loadModelFromFiles(tampered, spec(graphSha)));
    expect(isPermanentError(error)).toBe(true);
    expect(error?.code).toBe(ModelErrorCode.INFERENCE_MODEL_HASH_MISMATCH);
    expect(error?.message).toContain(graphSha);
    expect(error?.message).toContain(modelSha256(tampered));
    expect(error?.details).toEqual({ model: 'ad-safety', expectedSha256: graphSha, actualSha256: modelSha256(tampered) });
    // Nothing was built from the refused bytes.
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('refuses a tampered model.json and a configured hash of another model', async () => {
    const json = JSON.parse(Buffer.from(graphFiles.modelJson).toString()) as Record<string, unknown>;
    const edited: ModelFiles = { modelJson: new TextEncoder().encode(JSON.stringify({ ...json, generatedBy: 'someone else' })), weights: graphFiles.weights };
    expect((await refusal(loadModelFromFiles(edited, spec(graphSha))))?.code).toBe(ModelErrorCode.INFERENCE_MODEL_HASH_MISMATCH);
    const otherModel = modelSha256(readNsfwjsModelFiles('mobilenet_v2'));
    expect((await refusal(loadModelFromFiles(graphFiles, spec(otherModel))))?.code).toBe(ModelErrorCode.INFERENCE_MODEL_HASH_MISMATCH);
  });

  it('names what is wrong with files that are not a usable model', async () => {
    const invalid = async (files: ModelFiles, sha = modelSha256Safe(files)) => refusal(loadModelFromFiles(files, spec(sha)));
    const notJson: ModelFiles = { modelJson: new TextEncoder().encode('<html>'), weights: new Map() };
    expect(await invalid(notJson, '0'.repeat(64))).toMatchObject({ code: ModelErrorCode.INFERENCE_MODEL_INVALID, message: expect.stringMatching(/not JSON/) });
    const missing: ModelFiles = { modelJson: graphFiles.modelJson, weights: new Map([...graphFiles.weights].slice(0, 1)) };
    expect(await invalid(missing, graphSha)).toMatchObject({ code: ModelErrorCode.INFERENCE_MODEL_INVALID, message: expect.stringMatching(/group1-shard2of2.*missing/) });
    const short: ModelFiles = { modelJson: graphFiles.modelJson, weights: new Map([...graphFiles.weights, ['group1-shard2of2', new Uint8Array(10)]]) };
    expect(await invalid(short)).toMatchObject({ code: ModelErrorCode.INFERENCE_MODEL_INVALID, message: expect.stringMatching(/bytes where/) });
    const json = JSON.parse(Buffer.from(graphFiles.modelJson).toString()) as { weightsManifest: Array<{ paths: string[] }> };
    json.weightsManifest[0]!.paths[0] = '../other-model/weights.bin';
    const climbing: ModelFiles = { modelJson: new TextEncoder().encode(JSON.stringify(json)), weights: graphFiles.weights };
    expect(await invalid(climbing, '0'.repeat(64))).toMatchObject({ code: ModelErrorCode.INFERENCE_MODEL_INVALID, message: expect.stringMatching(/not a plain file name/) });
    const wrongLabels = await refusal(loadModelFromFiles(graphFiles, spec(graphSha, { labels: ['safe', 'unsafe'] })));
    expect(wrongLabels).toMatchObject({ code: ModelErrorCode.INFERENCE_MODEL_INVALID, message: expect.stringMatching(/outputs 5 classes but 2 labels/) });
  });

  it('validates a model spec: the sha256 must be 64 hex digits', () => {
    const result = ModelSpecSchema.safeParse({ name: 'x', sha256: 'abc', labels: ['a', 'b'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['sha256']);
  });
});

function modelSha256Safe(files: ModelFiles): string {
  try {
    return modelSha256(files);
  } catch {
    return '0'.repeat(64);
  }
}
