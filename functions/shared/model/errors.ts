import { PermanentError } from '../errors.ts';

/**
 * Error codes of the model module. The module serves the inference pipeline and the video
 * pipeline's moderation; a model that cannot be trusted or read is the configuration's fault, so
 * both are permanent: retrying the same bytes gives the same answer.
 */
export const ModelErrorCode = {
  /** The model's bytes do not hash to the sha256 it was configured with. */
  INFERENCE_MODEL_HASH_MISMATCH: 'INFERENCE_MODEL_HASH_MISMATCH',
  /** model.json is not a tfjs model, or its weights are missing or the wrong size. */
  INFERENCE_MODEL_INVALID: 'INFERENCE_MODEL_INVALID',
} as const;

export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

/** A permanent error carrying a model code (PermanentError takes each module's own codes). */
export function modelError(code: ModelErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): PermanentError<ModelErrorCode> {
  return new PermanentError(code, message, details, cause === undefined ? undefined : { cause });
}
