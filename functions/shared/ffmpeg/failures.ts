import { FfmpegToolCode, FfmpegToolError, VideoErrorCode, videoError } from './errors.ts';
import { lastLines } from './process.ts';

const NETWORK_FAILURE = /Server returned|Connection refused|Connection timed out|Failed to resolve|Input\/output error|HTTP error|End of file while/i;

/** What ffmpeg says when the bytes are at fault, rather than the command or the machine. */
const INPUT_FAULT = /moov atom not found|Invalid data found when processing input|error while decoding|Invalid NAL unit|corrupt|non-existing PPS|no frame!|Truncating packet|partial file|EBML header parsing failed|Format .* detected only with low score/i;

/**
 * Why ffmpeg/ffprobe failed on an input that passed the magic-byte sniff. An unreachable URL is
 * transient (a fresh presigned URL may work). At the probe stage anything else is the bytes'
 * fault (ffprobe only reads them); at the decode stage only ffmpeg's input-fault messages are —
 * any other failure (a bad option, a full disk) is the tool's, transient, so it dead-letters
 * visibly rather than telling a user their video is broken.
 */
export function unreadableInput(tool: string, binary: string, source: string, stderr: string, stage: 'probe' | 'decode' = 'probe'): Error {
  const reason = lastLines(stderr, 3) || `${tool} exited without a report`;
  if (/^https?:/i.test(source) && NETWORK_FAILURE.test(stderr)) {
    return new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `${tool} could not read the source URL: ${reason}`, { path: binary });
  }
  if (stage === 'decode' && !INPUT_FAULT.test(stderr)) {
    return new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `${tool} failed: ${reason}`, { path: binary, reason });
  }
  const missingMoov = /moov atom not found/i.test(stderr);
  return videoError(
    VideoErrorCode.VIDEO_CORRUPT,
    missingMoov ? 'the MP4 has no moov box (its index): "moov atom not found"' : `the video cannot be read: ${reason}`,
    { tool, reason },
  );
}
