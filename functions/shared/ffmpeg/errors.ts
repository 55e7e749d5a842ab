import { CodedError, type ErrorCode, PermanentError } from '../errors.ts';

/**
 * Error codes of the video pipeline. Stable strings: clients match on them, never rename one.
 * Each is a permanent (input) failure: retrying the same bytes gives the same answer.
 */
export const VideoErrorCode = {
  /** The object has zero bytes. */
  VIDEO_EMPTY: 'VIDEO_EMPTY',
  /** The first bytes are no video container we read (text named .mp4, an image, random bytes). */
  VIDEO_NOT_A_VIDEO: 'VIDEO_NOT_A_VIDEO',
  /** A container with no video stream (audio only, or only cover art). */
  VIDEO_NO_VIDEO_STREAM: 'VIDEO_NO_VIDEO_STREAM',
  /** The container's own structure says bytes are missing (an MP4 box runs past the end). */
  VIDEO_TRUNCATED: 'VIDEO_TRUNCATED',
  /** The container is complete but unreadable (e.g. an MP4 without its moov box). */
  VIDEO_CORRUPT: 'VIDEO_CORRUPT',
  /** A video codec outside the configured allow-list. */
  VIDEO_UNSUPPORTED_CODEC: 'VIDEO_UNSUPPORTED_CODEC',
  /** Longer than the preset's duration limit. */
  VIDEO_TOO_LONG: 'VIDEO_TOO_LONG',
  /** More pixels per frame than the preset allows. */
  VIDEO_TOO_MANY_PIXELS: 'VIDEO_TOO_MANY_PIXELS',
  /** The object's time budget ran out; its ffmpeg/ffprobe was killed. */
  VIDEO_PROCESSING_TIMEOUT: 'VIDEO_PROCESSING_TIMEOUT',
} as const;

export type VideoErrorCode = (typeof VideoErrorCode)[keyof typeof VideoErrorCode];

/**
 * A permanent failure with a video code. The shared PermanentError is typed to the kit's closed
 * ErrorCode union today, so the code is widened here, in this one place; once error codes are
 * extensible per pipeline, register VideoErrorCode there and drop the cast.
 */
export function videoError(
  code: VideoErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  options?: { cause?: unknown },
): PermanentError {
  return new PermanentError(code as unknown as ErrorCode, message, details, options);
}

export function isVideoError(error: unknown, code?: VideoErrorCode): error is PermanentError {
  return error instanceof PermanentError && (code === undefined ? (error.code as string).startsWith('VIDEO_') : error.code === (code as string));
}

/**
 * The tool itself is at fault (missing or non-executable binary, a crash, an unexpected exit):
 * not the input's fault, so not permanent — the worker retries and, if it persists, the message
 * dead-letters and the alarm rings.
 */
export const FfmpegToolCode = {
  FFMPEG_BINARY_MISSING: 'FFMPEG_BINARY_MISSING',
  FFMPEG_BINARY_NOT_EXECUTABLE: 'FFMPEG_BINARY_NOT_EXECUTABLE',
  FFMPEG_UNSUPPORTED_PLATFORM: 'FFMPEG_UNSUPPORTED_PLATFORM',
  /** ffmpeg or ffprobe died on a signal (a segfault is exit 139 / SIGSEGV). */
  FFMPEG_CRASHED: 'FFMPEG_CRASHED',
  /** ffmpeg exited non-zero for a reason not attributable to the input. */
  FFMPEG_FAILED: 'FFMPEG_FAILED',
} as const;

export type FfmpegToolCode = (typeof FfmpegToolCode)[keyof typeof FfmpegToolCode];

export class FfmpegToolError extends CodedError<FfmpegToolCode> {
  override readonly name = 'FfmpegToolError';
}
