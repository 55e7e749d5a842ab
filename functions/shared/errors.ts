/**
 * The kit's error model (DESIGN.md, "Error model").
 *
 * A PermanentError is the input's fault: retrying cannot help, so the worker records a failure
 * record and deletes the message. A SupersededError means the object changed after its event: the
 * event's task ends `superseded`, writing nothing. Anything else is transient: the batch item is
 * reported failed, redelivered, and dead-lettered after the queue's maxReceiveCount.
 *
 * Codes are plain strings so a pipeline declares its own (in its own folder, listed in its
 * contract's `errorCodes`) without editing this file: `defineErrorCodes(['VIDEO_NO_VIDEO_STREAM'])`.
 */

/** Codes any pipeline's failure record may carry: the worker itself raises them. */
export const SharedErrorCode = {
  /** The S3 event named an object that no longer exists. */
  SOURCE_NOT_FOUND: 'SOURCE_NOT_FOUND',
} as const;

/** The kit's stable codes (shared + image). Clients match on these strings, so never rename one. */
export const ErrorCode = {
  ...SharedErrorCode,
  /** The queue message is not an S3 event notification (retried, then dead-lettered; never a failure record). */
  EVENT_MALFORMED: 'EVENT_MALFORMED',
  IMAGE_EMPTY: 'IMAGE_EMPTY',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  IMAGE_NOT_AN_IMAGE: 'IMAGE_NOT_AN_IMAGE',
  IMAGE_UNSUPPORTED_FORMAT: 'IMAGE_UNSUPPORTED_FORMAT',
  IMAGE_TOO_MANY_PIXELS: 'IMAGE_TOO_MANY_PIXELS',
  IMAGE_OUTPUT_TOO_LARGE: 'IMAGE_OUTPUT_TOO_LARGE',
  IMAGE_CORRUPT: 'IMAGE_CORRUPT',
  /** The image took longer than its per-object time budget. */
  IMAGE_PROCESSING_TIMEOUT: 'IMAGE_PROCESSING_TIMEOUT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `{ CODE: 'CODE', … }` from a list, for a pipeline's own codes: typed constants, one spelling. */
export function defineErrorCodes<const Codes extends readonly string[]>(codes: Codes): { readonly [C in Codes[number]]: C } {
  return Object.freeze(Object.fromEntries(codes.map((code) => [code, code]))) as { readonly [C in Codes[number]]: C };
}

/** An error with a stable code clients match on and details for whoever reads the record. */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The input's fault: no retry, a failure record. Any pipeline's code (declared in its contract). */
export class PermanentError<Code extends string = string> extends CodedError<Code> {
  override readonly name = 'PermanentError';
}

export function isPermanentError(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/**
 * Work that may already have taken effect (a transaction sent, its answer lost to the budget):
 * only a retry can tell what happened, so the worker retries it even past the object's budget,
 * where any other error becomes the pipeline's timeout.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
}

/**
 * The object is no longer the version its event announced (eTag or version id mismatch, or the
 * version is gone). Not a failure: the newer upload is its own task.
 */
export class SupersededError extends Error {
  override readonly name = 'SupersededError';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSupersededError(error: unknown): error is SupersededError {
  return error instanceof SupersededError;
}

/** Which upload an outcome belongs to: written into failure records and result documents. */
export interface SourceIdentity {
  readonly bucket: string;
  readonly key: string;
  readonly eTag?: string;
  readonly versionId?: string;
  /** The S3 event's sequencer: orders uploads of one key. */
  readonly sequencer?: string;
}

/** The JSON written to `failures/<input key>.json` in the results bucket. */
export interface FailureRecord {
  readonly input: SourceIdentity;
  readonly pipeline: string;
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly failedAt: string;
}
