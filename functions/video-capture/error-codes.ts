import { defineErrorCodes, SharedErrorCode } from '../shared/errors.ts';
import { VideoErrorCode } from '../shared/ffmpeg/errors.ts';
import { ModerationErrorCode } from '../shared/moderation/errors.ts';

/** Codes of the video pipeline that neither the ffmpeg module nor moderation raise. */
export const VideoPipelineErrorCode = defineErrorCodes([
  /** The upload is larger than `maxInputBytes`. */
  'VIDEO_TOO_LARGE',
]);

/** Every code the video pipeline's failure records may carry: its contract's `errorCodes`. */
export const VIDEO_ERROR_CODES: readonly string[] = [
  ...Object.values(SharedErrorCode),
  ...Object.values(VideoErrorCode),
  ...Object.values(ModerationErrorCode),
  ...Object.values(VideoPipelineErrorCode),
];
