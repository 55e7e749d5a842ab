import { PermanentError, SharedErrorCode } from '../shared/errors.ts';
import { ModelErrorCode } from '../shared/model/errors.ts';

/** The inference pipeline's error codes. Stable strings: clients match on them, never rename one. */
export const InferenceErrorCode = {
  /** Per image: the bytes match no image format (identified by magic bytes, before any decoder). */
  INFERENCE_NOT_AN_IMAGE: 'INFERENCE_NOT_AN_IMAGE',
  /** Per image: width x height over the pipeline's pixel limit (read from the header). */
  INFERENCE_TOO_MANY_PIXELS: 'INFERENCE_TOO_MANY_PIXELS',
  /** Per image: an image format by its magic bytes that does not decode (truncated, corrupt). */
  INFERENCE_IMAGE_CORRUPT: 'INFERENCE_IMAGE_CORRUPT',
  /** Per image: the object is over the pipeline's byte limit per image (refused before it is read). */
  INFERENCE_IMAGE_TOO_LARGE: 'INFERENCE_IMAGE_TOO_LARGE',
  /** Per image: the manifest names an object that does not exist. */
  INFERENCE_SOURCE_NOT_FOUND: 'INFERENCE_SOURCE_NOT_FOUND',
  /** Job: the manifest lists no images. */
  INFERENCE_MANIFEST_EMPTY: 'INFERENCE_MANIFEST_EMPTY',
  /** Job: the manifest lists more images than the pipeline's limit. */
  INFERENCE_MANIFEST_TOO_LARGE: 'INFERENCE_MANIFEST_TOO_LARGE',
  /** Job: the manifest is not JSON, breaks its schema, or names a key outside the allowed prefixes; the message names the field path. */
  INFERENCE_MANIFEST_INVALID: 'INFERENCE_MANIFEST_INVALID',
  /** Job: the manifest asks for a model that is not configured. */
  INFERENCE_MODEL_UNKNOWN: 'INFERENCE_MODEL_UNKNOWN',
  /** Job: no image of a manifest could be classified; details list each image's reason. */
  INFERENCE_ALL_IMAGES_FAILED: 'INFERENCE_ALL_IMAGES_FAILED',
  /** Job: took longer than its per-object time budget. */
  INFERENCE_PROCESSING_TIMEOUT: 'INFERENCE_PROCESSING_TIMEOUT',
  ...ModelErrorCode,
} as const;

export type InferenceErrorCode = (typeof InferenceErrorCode)[keyof typeof InferenceErrorCode];

/** Every code the inference pipeline's failure records may carry: its contract's `errorCodes`. */
export const INFERENCE_ERROR_CODES: readonly string[] = [...Object.values(SharedErrorCode), ...Object.values(InferenceErrorCode)];

/** A permanent inference error: the input's (or the configured model's) fault, never retried. */
export function inferenceError(
  code: InferenceErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): PermanentError<InferenceErrorCode> {
  return new PermanentError<InferenceErrorCode>(code, message, details, cause === undefined ? undefined : { cause });
}
