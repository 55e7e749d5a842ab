import type { BinaryPaths } from '../shared/ffmpeg/binaries.ts';
import { assertBudgetLeft, type RunContext } from '../shared/ffmpeg/budget.ts';
import { VideoErrorCode, videoError } from '../shared/ffmpeg/errors.ts';
import { type MediaProbe, probe, type VideoStreamInfo } from '../shared/ffmpeg/probe.ts';
import { openByteSource } from './byte-source.ts';
import { checkMp4Structure } from './mp4-structure.ts';
import type { VideoLimits } from './options.ts';
import { SNIFF_BYTES, type SniffedFormat, sniff } from '../shared/sniff.ts';

/** The containers the video pipeline reads, as the shared sniffer names them. */
export type VideoContainer = Extract<SniffedFormat, 'mp4' | 'mov' | 'webm' | 'mkv' | 'mpegts' | 'flv'>;

export interface InspectedVideo {
  readonly container: VideoContainer;
  readonly bytes: number;
  readonly probe: MediaProbe & { readonly video: VideoStreamInfo };
}

/**
 * Everything decided before a single frame is decoded, cheapest first: size, magic bytes, MP4
 * box structure, then one ffprobe run and the preset's limits. Each refusal is a permanent error
 * with a stable VIDEO_* code.
 */
export async function inspectVideo(binaries: BinaryPaths, source: string, limits: VideoLimits, context: RunContext): Promise<InspectedVideo> {
  assertBudgetLeft('ffprobe', context);
  const bytes = openByteSource(source, context.signal);
  const size = await bytes.size();
  if (size === 0) throw videoError(VideoErrorCode.VIDEO_EMPTY, 'the video has zero bytes');
  const sniffed = sniff(await bytes.read(0, SNIFF_BYTES));
  if (sniffed.kind !== 'video') {
    throw videoError(VideoErrorCode.VIDEO_NOT_A_VIDEO, `the first bytes are not an MP4, MOV, WebM, MKV, MPEG-TS or FLV container${sniffed.format === 'unknown' ? '' : ` (they are ${sniffed.format})`}`, {
      bytes: size,
      sniffed: sniffed.format,
    });
  }
  const container = sniffed.format as VideoContainer;
  if (container === 'mp4' || container === 'mov') await checkMp4Structure(bytes, size);
  const probed = await probe(binaries, source, context);
  const video = probed.video;
  if (!video) {
    throw videoError(VideoErrorCode.VIDEO_NO_VIDEO_STREAM, `the ${container} file has no video stream${probed.audioCodecs.length ? ` (audio only: ${probed.audioCodecs.join(', ')})` : ''}`, {
      container,
      audioCodecs: probed.audioCodecs,
    });
  }
  if (!limits.allowedCodecs.includes(video.codec)) {
    throw videoError(VideoErrorCode.VIDEO_UNSUPPORTED_CODEC, `video codec ${video.codec} is not accepted (allowed: ${limits.allowedCodecs.join(', ')})`, {
      codec: video.codec,
      allowed: limits.allowedCodecs,
    });
  }
  if (video.width <= 0 || video.height <= 0) throw videoError(VideoErrorCode.VIDEO_CORRUPT, 'the video stream has no frame size', { codec: video.codec });
  const pixels = video.width * video.height;
  if (pixels > limits.maxPixels) {
    throw videoError(VideoErrorCode.VIDEO_TOO_MANY_PIXELS, `${video.width}x${video.height} is ${pixels} pixels per frame, over the limit of ${limits.maxPixels}`, {
      width: video.width,
      height: video.height,
      maxPixels: limits.maxPixels,
    });
  }
  if (probed.durationSeconds !== undefined && probed.durationSeconds > limits.maxDurationSeconds) {
    throw videoError(VideoErrorCode.VIDEO_TOO_LONG, `the video runs ${probed.durationSeconds.toFixed(1)} s, over the limit of ${limits.maxDurationSeconds} s`, {
      durationSeconds: probed.durationSeconds,
      maxDurationSeconds: limits.maxDurationSeconds,
    });
  }
  return { container, bytes: size, probe: { ...probed, video } };
}
