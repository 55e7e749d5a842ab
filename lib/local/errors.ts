import { CodedError } from '../../functions/shared/errors.ts';

/**
 * Errors the local runtime raises. Codes are stable strings: the CLI prints them and tests
 * match on them, so never rename one.
 */
export const LocalErrorCode = {
  /** cdk.out is missing, unreadable, or not a cloud assembly. */
  ASSEMBLY_INVALID: 'ASSEMBLY_INVALID',
  /** `cdk synth` failed or produced no assembly. */
  SYNTH_FAILED: 'SYNTH_FAILED',
  /** A template uses an intrinsic function or reference the runtime cannot resolve. */
  INTRINSIC_UNRESOLVED: 'INTRINSIC_UNRESOLVED',
  /** A pipeline depends on a resource type the runtime does not emulate. */
  RESOURCE_UNSUPPORTED: 'RESOURCE_UNSUPPORTED',
  /** A Lambda function's code asset cannot be found or loaded. */
  FUNCTION_CODE_MISSING: 'FUNCTION_CODE_MISSING',
  /** A function's asset is built for another CPU architecture than this machine's. */
  ARCHITECTURE_MISMATCH: 'ARCHITECTURE_MISMATCH',
  /** An emulator did not start, or behaves unlike the pinned version we rely on. */
  EMULATOR_FAILED: 'EMULATOR_FAILED',
  /** The preset or pipeline named on the command line does not exist. */
  UNKNOWN_PRESET: 'UNKNOWN_PRESET',
  UNKNOWN_PIPELINE: 'UNKNOWN_PIPELINE',
  /** A file could not be routed to a pipeline by its content. */
  UNROUTABLE_INPUT: 'UNROUTABLE_INPUT',
  /** Not every upload reached a terminal state in time. */
  TIMEOUT: 'TIMEOUT',
  /** `upload` found no running dev runtime. */
  NOT_RUNNING: 'NOT_RUNNING',
  /** The command line is malformed. */
  USAGE: 'USAGE',
} as const;

export type LocalErrorCode = (typeof LocalErrorCode)[keyof typeof LocalErrorCode];

export class LocalRuntimeError extends CodedError<LocalErrorCode> {
  override readonly name = 'LocalRuntimeError';
}
