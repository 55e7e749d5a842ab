import type { BinaryPaths } from '../shared/ffmpeg/binaries.ts';
import type { VideoStreamInfo } from '../shared/ffmpeg/probe.ts';
import { type CaptureContext, captureFrames } from '../shared/ffmpeg/capture.ts';
import { dedupeFrames, keepAll, type KeptFrame, scoreFrames } from './dedupe.ts';
import { type InspectedVideo, inspectVideo } from './inspect.ts';
import type { CaptureOptions, CaptureStrategy } from './options.ts';
import { planCapture } from './strategies.ts';

/**
 * The video pipeline's pure core up to the frames: inspect (sniff, structure, probe, limits), plan
 * the strategy, capture upright resized JPEG frames with their actual timestamps, drop
 * near-duplicates. No AWS here: the source is a local path (the handler streams the object to
 * /tmp) or a presigned URL that ffmpeg reads with range requests.
 */

export interface VideoFrame {
  readonly timestamp: number;
  readonly width: number;
  readonly height: number;
  readonly jpeg: Buffer;
  readonly sharpness: number;
  /** The 128-bit perceptual hash, hex. */
  readonly hash: string;
  /** The run of near-duplicates this frame stands for (itself only without dedupe). */
  readonly runStart: number;
  readonly runEnd: number;
  readonly runLength: number;
}

export interface VideoCaptureResult {
  readonly source: Pick<VideoStreamInfo, 'codec' | 'width' | 'height' | 'rotation' | 'displayWidth' | 'displayHeight' | 'frameRate'> & {
    readonly container: InspectedVideo['container'];
    readonly bytes: number;
    readonly formatName: string;
    readonly durationSeconds: number | undefined;
    readonly audioCodecs: readonly string[];
  };
  readonly strategy: CaptureStrategy;
  readonly frames: readonly VideoFrame[];
  /** Frames ffmpeg produced before near-duplicates were dropped. */
  readonly capturedFrames: number;
  /** maxFrames shaped the capture: keyframes/scene stopped early, or interval spread its frames. */
  readonly frameLimitReached: boolean;
  /** interval: seconds between planned frames. */
  readonly spacingSeconds?: number;
}

export async function captureVideo(binaries: BinaryPaths, source: string, options: CaptureOptions, context: CaptureContext): Promise<VideoCaptureResult> {
  const inspected = await inspectVideo(binaries, source, options.limits, context);
  const { probe } = inspected;
  const plan = planCapture(options, probe.durationSeconds, probe.video.frameRate);
  const captured = await captureFrames(binaries, source, plan.request, { longSide: options.longSide, jpegQuality: options.jpegQuality }, context);
  const scored = await scoreFrames(captured.frames);
  const kept: KeptFrame[] = options.dedupe.enabled ? dedupeFrames(scored, options.dedupe.hammingThreshold) : keepAll(scored);
  return {
    source: {
      container: inspected.container,
      bytes: inspected.bytes,
      formatName: probe.formatName,
      durationSeconds: probe.durationSeconds,
      codec: probe.video.codec,
      width: probe.video.width,
      height: probe.video.height,
      rotation: probe.video.rotation,
      displayWidth: probe.video.displayWidth,
      displayHeight: probe.video.displayHeight,
      frameRate: probe.video.frameRate,
      audioCodecs: probe.audioCodecs,
    },
    strategy: options.strategy,
    frames: kept.map((frame) => ({
      timestamp: frame.timestamp,
      width: frame.width,
      height: frame.height,
      jpeg: frame.jpeg,
      sharpness: Math.round(frame.metrics.sharpness * 10) / 10,
      hash: frame.metrics.hash.toString(16).padStart(32, '0'),
      runStart: frame.runStart,
      runEnd: frame.runEnd,
      runLength: frame.runLength,
    })),
    capturedFrames: captured.frames.length,
    frameLimitReached: captured.frameLimitReached || plan.spread === true,
    ...(plan.spacingSeconds !== undefined ? { spacingSeconds: plan.spacingSeconds } : {}),
  };
}
