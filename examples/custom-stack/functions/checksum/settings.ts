import { z } from 'zod';
import { defineErrorCodes } from '../../../../functions/shared/errors.ts';
import { ALGORITHMS } from './core.ts';

/** The checksum pipeline's own codes, declared here: the kit's error table is not edited. */
export const ChecksumError = defineErrorCodes(['CHECKSUM_TOO_LARGE', 'CHECKSUM_TIMEOUT']);

/** What the handler can be asked to do; the construct parses exactly this out of its config. */
export const checksumSettingsSchema = z.strictObject({
  /** @default ['sha256', 'md5'] */
  algorithms: z.array(z.enum(ALGORITHMS)).min(1).default(['sha256', 'md5']),
  /** Larger uploads are refused with CHECKSUM_TOO_LARGE. @default 5 GiB */
  maxInputBytes: z.number().int().min(1).default(5 * 1024 ** 3),
});
