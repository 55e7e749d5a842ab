import { z } from 'zod';
import { EnvName } from '../shared/env-names.ts';
import { ModerationSettingsSchema } from '../shared/moderation/config.ts';
import { captureOptionsSchema } from './options.ts';

/**
 * The video handler's settings (PIPELINE_SETTINGS): the capture options plus what the pipeline
 * does around them. The construct parses its config with this schema, so a value that
 * synthesizes is a value the handler accepts.
 */

const KEY_PREFIX = /^[a-z0-9][a-z0-9/_-]*\/$/;

export const hlsSettingsSchema = z.strictObject({
  /** Slice the upload into HLS (360p + 720p, a master playlist) beside the frames. @default false (film: true) */
  enabled: z.boolean().default(false),
  /** Target segment length in seconds. @default 6 */
  segmentSeconds: z.number().int().min(1).max(60).default(6),
  /** Renditions by short side; larger than the source are skipped (the smallest is always kept). @default 360p 800 kb/s, 720p 2800 kb/s */
  renditions: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,30}$/, 'lowercase letters, digits, - and _'),
        shortSide: z.number().int().min(64).max(4320),
        videoBitrateKbps: z.number().int().min(64).max(100_000),
      }),
    )
    .min(1)
    .max(6)
    .default([
      { name: '360p', shortSide: 360, videoBitrateKbps: 800 },
      { name: '720p', shortSide: 720, videoBitrateKbps: 2800 },
    ]),
});

export const posterSettingsSchema = z.strictObject({
  /** Write `poster.jpg`: the first sharp frame of the first few captured. @default false (consumer-electronics: true) */
  enabled: z.boolean().default(false),
  /** Captured frames looked at, from the start. @default 5 */
  candidates: z.number().int().min(1).max(100).default(5),
  /** Longest side of the thumbnail. @default 320 */
  longSide: z.number().int().min(16).max(2048).default(320),
  /** Laplacian variance a frame needs to count as sharp. @default 100 */
  minSharpness: z.number().min(0).default(100),
});

export const quarantineSettingsSchema = z.strictObject({
  /** Copy a blocked upload to the quarantine prefix of the results bucket. @default true */
  enabled: z.boolean().default(true),
  /** Where blocked uploads are copied (results bucket), readable by the reviewer role only. @default 'quarantine/' */
  prefix: z.string().regex(KEY_PREFIX, "a key prefix ending in '/'").default('quarantine/'),
  /** Tag the original upload `media-kit-verdict=block` (s3:PutObjectTagging). @default true */
  tagOriginal: z.boolean().default(true),
});

export const liveSegmentsSchema = z.strictObject({
  /**
   * Treat uploads with these extensions inside a folder as segments of one live stream (the
   * folder is the stream id): each keeps its own report, and the stream's verdict escalates over
   * its segments, never relaxes. @default false (education: true)
   */
  enabled: z.boolean().default(false),
  /** @default ['.ts', '.flv'] */
  extensions: z.array(z.string().regex(/^\.[a-z0-9]{1,8}$/)).min(1).default(['.ts', '.flv']),
});

export const verdictEventsSchema = z.strictObject({
  /** Verdicts announced as `Moderation Verdict` on the kit bus (when the pipeline has a bus). @default ['review', 'block'] */
  verdicts: z.array(z.enum(['allow', 'review', 'block'])).default(['review', 'block']),
});

export const videoSettingsSchema = z.strictObject({
  ...captureOptionsSchema.shape,
  /** Largest upload read, in bytes (it is streamed to /tmp: keep it under the function's ephemeral storage). @default 2 GiB */
  maxInputBytes: z.number().int().min(1).max(10 * 1024 ** 3).default(2 * 1024 ** 3),
  moderation: ModerationSettingsSchema.default(ModerationSettingsSchema.parse({})),
  hls: hlsSettingsSchema.default(hlsSettingsSchema.parse({})),
  poster: posterSettingsSchema.default(posterSettingsSchema.parse({})),
  quarantine: quarantineSettingsSchema.default(quarantineSettingsSchema.parse({})),
  liveSegments: liveSegmentsSchema.default(liveSegmentsSchema.parse({})),
  events: verdictEventsSchema.default(verdictEventsSchema.parse({})),
});

export type VideoSettings = z.infer<typeof videoSettingsSchema>;

/** Env var naming the kit bus `Moderation Verdict` events go to (the base construct sets it with its bus). */
export const VIDEO_EVENT_BUS_ENV = EnvName.KIT_BUS_NAME;
/** Env var: the tfjs wasm files' folder, relative to the function's code (LAMBDA_TASK_ROOT) or absolute. */
export const TFJS_WASM_DIR_ENV = 'TFJS_WASM_DIR';
