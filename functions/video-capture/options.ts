import { z } from 'zod';

/**
 * What the video pipeline's capture can be asked to do. The same schema validates a preset at
 * synth time and the handler's settings at load.
 */

/**
 * Video codecs decoded by default: what cameras, phones, browsers and encoders produce. Anything
 * else ffprobe recognises (ffv1, prores, mjpeg, rawvideo, …) is refused as
 * VIDEO_UNSUPPORTED_CODEC: rarely uploaded for moderation, and each decoder is attack surface.
 */
export const DEFAULT_VIDEO_CODECS = ['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'mpeg2video', 'mpeg1video', 'h263', 'flv1', 'theora'] as const;

export const CAPTURE_STRATEGIES = ['interval', 'keyframes', 'scene'] as const;
export type CaptureStrategy = (typeof CAPTURE_STRATEGIES)[number];

export const videoLimitsSchema = z.strictObject({
  /** @default 3 h */
  maxDurationSeconds: z.number().positive().default(3 * 3600),
  /** Pixels of one frame as stored. @default 3840 x 2160 (4K UHD) */
  maxPixels: z.number().int().min(1).default(3840 * 2160),
  /** Video codecs decoded (ffmpeg codec names). @default {@link DEFAULT_VIDEO_CODECS} */
  allowedCodecs: z.array(z.string().min(1)).min(1).default([...DEFAULT_VIDEO_CODECS]),
});
export type VideoLimits = z.infer<typeof videoLimitsSchema>;

export const dedupeSchema = z.strictObject({
  /** @default true */
  enabled: z.boolean().default(true),
  /**
   * Frames whose 64-bit dHash differ in at most this fraction of bits are near-duplicates.
   * @default 0.25 (Media2Cloud's threshold: 16 of 64 bits)
   */
  hammingThreshold: z.number().min(0).max(1).default(0.25),
});
export type DedupeOptions = z.infer<typeof dedupeSchema>;

export const captureOptionsSchema = z.strictObject({
  /** @default 'interval' */
  strategy: z.enum(CAPTURE_STRATEGIES).default('interval'),
  /** `interval`: seconds between frames. @default 5 */
  intervalSeconds: z.number().positive().max(3600).default(5),
  /**
   * `interval`: take the keyframe up to half an interval before each time instead of decoding up
   * to the exact frame (one keyframe decoded per frame: ~3x cheaper at a 2 s GOP). Timestamps are
   * the frames' own either way. @default true
   */
  snapToKeyframes: z.boolean().default(true),
  /** `scene`: scene-change score (0–1) above which a frame starts a new scene. @default 0.3 */
  sceneThreshold: z.number().gt(0).lt(1).default(0.3),
  /** Frames captured at most; `interval` spreads them over the whole video when it would take more. @default 60 */
  maxFrames: z.number().int().min(1).max(1000).default(60),
  /** Longest side of a frame in pixels (never upscaled). @default 640 */
  longSide: z.number().int().min(16).max(4096).default(640),
  /** JPEG quality of frames, 1–100. @default 85 */
  jpegQuality: z.number().int().min(1).max(100).default(85),
  dedupe: dedupeSchema.default(dedupeSchema.parse({})),
  limits: videoLimitsSchema.default(videoLimitsSchema.parse({})),
});
export type CaptureOptions = z.infer<typeof captureOptionsSchema>;
