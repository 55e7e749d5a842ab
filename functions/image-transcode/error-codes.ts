import { ErrorCode, SharedErrorCode } from '../shared/errors.ts';

/**
 * Every code the image pipeline's failure records may carry: its contract's `errorCodes`.
 * Taken from the IMAGE_ codes of the shared table, so a code added there is declared here too.
 */
export const IMAGE_ERROR_CODES: readonly string[] = [
  ...Object.values(SharedErrorCode),
  ...Object.values(ErrorCode).filter((code) => code.startsWith('IMAGE_')),
];
