import { z } from 'zod';
import type { ModelFiles } from './artifacts.ts';
import type { BackendName, ImageModel } from './image-model.ts';
import { createTfjsImageModel } from './tfjs-model.ts';

/**
 * A bring-your-own tfjs model as configured: the handler fetches model.json and the weight files
 * it names from the models prefix, and the bytes must hash to `sha256` before they are used.
 */
export const ModelSpecSchema = z.strictObject({
  /** The name jobs ask for (`model` in a job manifest) and results report. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (up to 64)'),
  version: z.string().min(1).max(64).default('1'),
  /** Hex sha256 over model.json's bytes followed by each weight file in manifest order. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  /** Class names in the order of the model's output. */
  labels: z.array(z.string().min(1)).min(2).max(10_000),
  /** Square input side in pixels. @default 224 */
  inputSize: z.int().min(16).max(1024).default(224),
  /** How 0..255 pixels are scaled: unit 0..1, symmetric -1..1, raw 0..255. @default unit */
  normalization: z.enum(['unit', 'symmetric', 'raw']).default('unit'),
  /** Largest batch run through the network at once (the wasm heap grows with it and never shrinks). @default 8 */
  maxBatch: z.int().min(1).max(256).default(8),
});

export type ModelSpec = z.output<typeof ModelSpecSchema>;

/** Verifies the files against the spec's sha256, then builds the model; a mismatch never loads. */
export function loadModelFromFiles(files: ModelFiles, spec: ModelSpec, options: { backend?: BackendName; wasmDir?: string; maxInputPixels?: number } = {}): Promise<ImageModel> {
  return createTfjsImageModel(files, {
    name: spec.name,
    version: spec.version,
    labels: spec.labels,
    inputSize: spec.inputSize,
    normalization: spec.normalization,
    maxBatch: spec.maxBatch,
    expectedSha256: spec.sha256,
    ...options,
  });
}
