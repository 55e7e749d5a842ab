import { PermanentError } from '../errors.ts';

/** Error codes of video moderation. Stable strings: clients match on them. */
export const ModerationErrorCode = {
  /** A captured frame could not be decoded for the model (not a JPEG, corrupt). */
  VIDEO_MODERATION_FRAME_UNREADABLE: 'VIDEO_MODERATION_FRAME_UNREADABLE',
  /** The moderation service refused a frame as input (format, size). */
  VIDEO_MODERATION_FRAME_REJECTED: 'VIDEO_MODERATION_FRAME_REJECTED',
} as const;

export type ModerationErrorCode = (typeof ModerationErrorCode)[keyof typeof ModerationErrorCode];

/** A permanent moderation error (PermanentError takes each module's own codes). */
export function moderationError(code: ModerationErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): PermanentError<ModerationErrorCode> {
  return new PermanentError(code, message, details, cause === undefined ? undefined : { cause });
}
