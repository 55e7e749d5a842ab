import type { ImageModel, ModelInput } from '../shared/model/image-model.ts';
import { rankLabels } from '../shared/model/image-model.ts';
import { ModelInputError, type ModelInputProblem } from '../shared/model/preprocess.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';

/**
 * The inference pipeline's pure core: image bytes in, top-K classes out. The handler fetches the
 * bytes (or records why it could not) and resolves the model; nothing here touches AWS. A job's
 * images run as one batch; each image succeeds or fails on its own, and the job fails only when
 * none could be classified.
 */

/** One image of a job as the handler hands it over: its bytes, or why there are none. */
export type ImageEntry =
  | { readonly key: string; readonly bytes: Uint8Array }
  | { readonly key: string; readonly error: { readonly code: InferenceErrorCode; readonly message: string; readonly details?: Record<string, unknown> } };

export interface InferenceOptions {
  readonly model: ImageModel;
  /** Classes per image (clamped to the model's label count). @default 3 */
  readonly topK?: number;
  /** Sources over this many pixels fail with INFERENCE_TOO_MANY_PIXELS. @default 50 000 000 */
  readonly maxPixels?: number;
  /** Images decoded at once: bounds memory on a manifest of large photos. @default 4 */
  readonly decodeConcurrency?: number;
}

export interface ClassProbability {
  readonly label: string;
  readonly probability: number;
}

export interface ImageError {
  readonly code: InferenceErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

export type ImageResult =
  | {
      readonly key: string;
      readonly status: 'succeeded';
      readonly width: number;
      readonly height: number;
      readonly format: string;
      readonly bytes: number;
      readonly top: readonly ClassProbability[];
      /** predictMs is this image's share of its batch's network time. */
      readonly timings: { readonly preprocessMs: number; readonly predictMs: number };
    }
  | { readonly key: string; readonly status: 'failed'; readonly error: ImageError };

/** A job's result document (`inference/<rel>/result.json`, the item's `result` in `media-kit run`). */
export interface JobResult {
  /** `partial` when some images failed: the job still succeeds, and says so per image. */
  readonly status: 'succeeded' | 'partial';
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string; readonly backend: string };
  readonly topK: number;
  readonly summary: { readonly images: number; readonly succeeded: number; readonly failed: number };
  /** In the order the job listed them. */
  readonly images: readonly ImageResult[];
  readonly timings: { readonly preprocessMs: number; readonly predictMs: number; readonly totalMs: number; readonly batchSize: number };
}

export const DEFAULT_TOP_K = 3;
const DEFAULT_DECODE_CONCURRENCY = 4;

const PROBLEM_CODES: Record<ModelInputProblem, InferenceErrorCode> = {
  'not-an-image': InferenceErrorCode.INFERENCE_NOT_AN_IMAGE,
  'too-many-pixels': InferenceErrorCode.INFERENCE_TOO_MANY_PIXELS,
  corrupt: InferenceErrorCode.INFERENCE_IMAGE_CORRUPT,
};

/** The entry for an image the handler could not find. */
export function sourceNotFound(key: string): ImageEntry {
  return { key, error: { code: InferenceErrorCode.INFERENCE_SOURCE_NOT_FOUND, message: `Image '${key}' does not exist`, details: { key } } };
}

export async function runInference(entries: readonly ImageEntry[], options: InferenceOptions): Promise<JobResult> {
  const started = performance.now();
  if (entries.length === 0) throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_EMPTY, 'Job has no images', { images: 0 });
  const { model } = options;
  const topK = Math.min(Math.max(1, options.topK ?? DEFAULT_TOP_K), model.labels.length);

  const prepared = await mapLimited(entries, options.decodeConcurrency ?? DEFAULT_DECODE_CONCURRENCY, (entry) => prepare(entry, model, options.maxPixels));
  const preprocessMs = performance.now() - started;

  const ready = prepared.filter((p): p is Prepared & { input: ModelInput } => p.input !== undefined);
  const predictStarted = performance.now();
  const rows = await model.predict(ready.map((p) => p.input));
  const predictMs = performance.now() - predictStarted;
  const rowOf = new Map<Prepared, Float32Array>(ready.map((p, i) => [p, rows[i]!]));

  const images: ImageResult[] = prepared.map((p) => {
    if (p.error) return { key: p.key, status: 'failed', error: p.error };
    const row = rowOf.get(p)!;
    return {
      key: p.key,
      status: 'succeeded',
      width: p.input!.source.width,
      height: p.input!.source.height,
      format: p.input!.source.format,
      bytes: p.bytes,
      top: rankLabels(model.labels, row, topK).map(({ label, score }) => ({ label, probability: score })),
      timings: { preprocessMs: round(p.preprocessMs), predictMs: round(predictMs / ready.length) },
    };
  });

  const failed = images.filter((image): image is Extract<ImageResult, { status: 'failed' }> => image.status === 'failed');
  if (failed.length === images.length) throw jobFailure(failed);
  return {
    status: failed.length === 0 ? 'succeeded' : 'partial',
    model: { name: model.name, version: model.version, sha256: model.sha256, backend: model.backend },
    topK,
    summary: { images: images.length, succeeded: images.length - failed.length, failed: failed.length },
    images,
    timings: { preprocessMs: round(preprocessMs), predictMs: round(predictMs), totalMs: round(performance.now() - started), batchSize: ready.length },
  };
}

interface Prepared {
  readonly key: string;
  readonly bytes: number;
  readonly preprocessMs: number;
  readonly input?: ModelInput;
  readonly error?: ImageError;
}

async function prepare(entry: ImageEntry, model: ImageModel, maxPixels: number | undefined): Promise<Prepared> {
  if ('error' in entry) return { key: entry.key, bytes: 0, preprocessMs: 0, error: { details: {}, ...entry.error } };
  const started = performance.now();
  try {
    const input = await model.preprocess(entry.bytes, maxPixels === undefined ? undefined : { maxPixels });
    return { key: entry.key, bytes: entry.bytes.length, preprocessMs: performance.now() - started, input };
  } catch (error) {
    // Anything but a verdict on the bytes (out of memory, a bug) is not the image's fault: let it surface.
    if (!(error instanceof ModelInputError)) throw error;
    return {
      key: entry.key,
      bytes: entry.bytes.length,
      preprocessMs: performance.now() - started,
      error: { code: PROBLEM_CODES[error.problem], message: `${entry.key}: ${error.message}`, details: { key: entry.key, ...error.details } },
    };
  }
}

/** A single-image job fails with that image's own code; a manifest with all images failed says so per image. */
function jobFailure(failed: readonly Extract<ImageResult, { status: 'failed' }>[]) {
  if (failed.length === 1) {
    const { key, error } = failed[0]!;
    return inferenceError(error.code, error.message, { key, ...error.details });
  }
  return inferenceError(InferenceErrorCode.INFERENCE_ALL_IMAGES_FAILED, `None of the job's ${failed.length} images could be classified`, {
    images: failed.map(({ key, error }) => ({ key, code: error.code, message: error.message })),
  });
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
