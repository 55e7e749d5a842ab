import * as tf from '@tensorflow/tfjs';
import { type ModelFiles, modelSha256, parseModelJson, toTfArtifacts, verifyModelSha256 } from './artifacts.ts';
import { ensureBackend } from './backend.ts';
import { ModelErrorCode, modelError } from './errors.ts';
import type { BackendName, ImageModel, ModelInput } from './image-model.ts';
import { DEFAULT_MAX_INPUT_PIXELS, type Normalization, preprocessImage } from './preprocess.ts';

/**
 * A tfjs graph or layers model behind the ImageModel interface. Every tensor it makes lives inside
 * tf.tidy or is disposed in a finally, so memory stays flat over thousands of predictions.
 */

export interface TfjsModelOptions {
  readonly name: string;
  readonly version: string;
  readonly labels: readonly string[];
  readonly inputSize: number;
  readonly normalization: Normalization;
  /** When given, the files must hash to it before anything else is done with them. */
  readonly expectedSha256?: string;
  /** Largest batch sent through the network at once; larger inputs run in chunks of this size. @default 8 */
  readonly maxBatch?: number;
  readonly maxInputPixels?: number;
  readonly backend?: BackendName;
  readonly wasmDir?: string;
}

type Network = tf.GraphModel | tf.LayersModel;

/**
 * Images per network pass. Measured on MobileNetV2 (wasm, SIMD): 8 per pass costs the same CPU per
 * image as 32 (≈50 ms) while the wasm heap, which never shrinks, peaks at ~0.5 GB instead of ~1.1 GB.
 */
export const DEFAULT_MAX_BATCH = 8;

export async function createTfjsImageModel(files: ModelFiles, options: TfjsModelOptions): Promise<ImageModel> {
  const started = performance.now();
  const backend = options.backend ?? 'wasm';
  const parsed = parseModelJson(files.modelJson);
  const sha256 = options.expectedSha256 === undefined ? modelSha256(files, parsed) : verifyModelSha256(files, options.expectedSha256, options.name);
  await ensureBackend(backend, options.wasmDir === undefined ? {} : { wasmDir: options.wasmDir });
  const io = tf.io.fromMemory(toTfArtifacts(files, parsed));
  let network: Network;
  try {
    network = parsed.kind === 'graph' ? await tf.loadGraphModel(io) : await tf.loadLayersModel(io);
  } catch (error) {
    throw modelError(ModelErrorCode.INFERENCE_MODEL_INVALID, `Model '${options.name}' could not be built: ${(error as Error).message}`, { model: options.name }, error);
  }
  const size = options.inputSize;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const run = (data: Float32Array, count: number) =>
    tf.tidy(() => {
      const out = network.predict(tf.tensor4d(data, [count, size, size, 3]));
      return Array.isArray(out) ? out[0]! : (out as tf.Tensor);
    });

  // Warm-up: the first prediction compiles kernels; paying it at load keeps the first image honest.
  const warm = run(new Float32Array(size * size * 3), 1);
  let width: number;
  try {
    width = warm.shape.at(-1) ?? 0;
    await warm.data();
  } finally {
    warm.dispose();
  }
  if (width !== options.labels.length) {
    network.dispose();
    throw modelError(ModelErrorCode.INFERENCE_MODEL_INVALID, `Model '${options.name}' outputs ${width} classes but ${options.labels.length} labels are configured`, {
      model: options.name,
      outputs: width,
      labels: options.labels.length,
    });
  }
  const loadMs = performance.now() - started;
  let disposed = false;

  return {
    name: options.name,
    version: options.version,
    sha256,
    labels: [...options.labels],
    inputSize: size,
    backend,
    loadMs,
    preprocess: (bytes, limits) =>
      preprocessImage(bytes, { inputSize: size, normalization: options.normalization, maxPixels: limits?.maxPixels ?? options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS }),
    async predict(batch: readonly ModelInput[]): Promise<Float32Array[]> {
      if (disposed) throw new Error(`Model '${options.name}' has been disposed`);
      if (batch.length === 0) return [];
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      const perImage = size * size * 3;
      const rows: Float32Array[] = [];
      for (let start = 0; start < batch.length; start += maxBatch) {
        const chunk = batch.slice(start, start + maxBatch);
        const data = new Float32Array(chunk.length * perImage);
        chunk.forEach((input, i) => {
          if (input.data.length !== perImage) throw new Error(`Input ${start + i} has ${input.data.length} values; '${options.name}' takes ${size}x${size}x3`);
          data.set(input.data, i * perImage);
        });
        const out = run(data, chunk.length);
        try {
          const values = (await out.data()) as Float32Array;
          for (let i = 0; i < chunk.length; i++) rows.push(values.slice(i * width, (i + 1) * width));
        } finally {
          out.dispose();
        }
      }
      return rows;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      network.dispose();
    },
  };
}
