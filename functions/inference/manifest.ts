import { z } from 'zod';
import { InferenceErrorCode, inferenceError } from './errors.ts';

/**
 * A job manifest: JSON uploaded under jobs/ (or `input` of POST /tasks) listing image keys to
 * classify as one batch. Unknown fields are errors, so a misspelt `topk` is not silently ignored.
 */
export const JobManifestSchema = z.strictObject({
  /** Keys of the images in the ingest bucket. */
  images: z.array(z.string().min(1).max(1024)),
  /** A configured model's name; the default model when omitted. */
  model: z.string().min(1).max(64).optional(),
  /** Classes reported per image, highest probability first. */
  topK: z.int().min(1).max(100).optional(),
});

export type JobManifest = z.infer<typeof JobManifestSchema>;

export interface ManifestLimits {
  /** Most images one manifest may list. */
  readonly maxImages: number;
}

/** 32 images of 224x224 run as one network pass in well under a Lambda's memory. */
export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = { maxImages: 32 };

/** True when JSON is shaped like a job manifest (an object with an `images` list): for routing by content. */
export function looksLikeJobManifest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as { images?: unknown }).images);
}

/** Parses and checks a manifest (its bytes or already-parsed JSON), failing with a code naming the problem. */
export function parseJobManifest(input: Uint8Array | unknown, limits: ManifestLimits = DEFAULT_MANIFEST_LIMITS): JobManifest {
  const value = input instanceof Uint8Array ? parseJson(input) : input;
  const images = (value as { images?: unknown } | null)?.images;
  if (Array.isArray(images)) {
    if (images.length === 0) throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_EMPTY, 'Job manifest lists no images', { images: 0 });
    if (images.length > limits.maxImages) {
      throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_TOO_LARGE, `Job manifest lists ${images.length} images, over the limit of ${limits.maxImages}`, {
        images: images.length,
        maxImages: limits.maxImages,
      });
    }
  }
  const parsed = JobManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((issue) => ({ path: fieldPath(issue.path, issue), message: issue.message }));
    const first = issues[0]!;
    throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_INVALID, `Job manifest is invalid at ${first.path}: ${first.message}`, { path: first.path, issues });
  }
  const seen = new Map<string, number>();
  for (const [i, key] of parsed.data.images.entries()) {
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_INVALID, `Job manifest is invalid at images[${i}]: '${key}' repeats images[${earlier}]`, { path: `images[${i}]`, key });
    }
    seen.set(key, i);
  }
  return parsed.data;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw inferenceError(InferenceErrorCode.INFERENCE_MANIFEST_INVALID, `Job manifest is not JSON: ${(error as Error).message}`, { path: '(root)' }, error);
  }
}

/** `images[2]`, `topK`, or the unknown key itself for an unrecognised field; `(root)` for the whole value. */
function fieldPath(path: readonly PropertyKey[], issue: z.core.$ZodIssue): string {
  const segments = [...path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) segments.push(issue.keys[0]!);
  if (segments.length === 0) return '(root)';
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join('');
}
