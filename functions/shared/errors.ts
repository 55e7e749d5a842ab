/**
 * The kit's error model (DESIGN.md, "Error model").
 *
 * A PermanentError is the input's fault: retrying cannot help, so the worker records a failure
 * record and deletes the message. Anything else is treated as transient: the batch item is
 * reported failed, redelivered, and dead-lettered after the queue's maxReceiveCount.
 */

/** Stable error codes. Clients match on these strings, so never rename one. */
export const ErrorCode = {
  /** The S3 event named an object that no longer exists. */
  SOURCE_NOT_FOUND: 'SOURCE_NOT_FOUND',
  /** The queue message is not an S3 event notification. */
  EVENT_MALFORMED: 'EVENT_MALFORMED',
  IMAGE_EMPTY: 'IMAGE_EMPTY',
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  IMAGE_NOT_AN_IMAGE: 'IMAGE_NOT_AN_IMAGE',
  IMAGE_UNSUPPORTED_FORMAT: 'IMAGE_UNSUPPORTED_FORMAT',
  IMAGE_TOO_MANY_PIXELS: 'IMAGE_TOO_MANY_PIXELS',
  IMAGE_OUTPUT_TOO_LARGE: 'IMAGE_OUTPUT_TOO_LARGE',
  IMAGE_CORRUPT: 'IMAGE_CORRUPT',
  /** Processing the image took longer than its per-object time budget. */
  IMAGE_PROCESSING_TIMEOUT: 'IMAGE_PROCESSING_TIMEOUT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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

export class PermanentError extends CodedError<ErrorCode> {
  override readonly name = 'PermanentError';
}

export function isPermanentError(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/** The JSON written to `failures/<input key>.json` in the results bucket. */
export interface FailureRecord {
  readonly input: { readonly bucket: string; readonly key: string };
  readonly pipeline: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly failedAt: string;
}
