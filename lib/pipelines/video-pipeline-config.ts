import { z } from 'zod';
import { videoSettingsSchema } from '../../functions/video-capture/settings.ts';
import { keyPrefixSchema, refineWorkerConfig, workerConfigSchema } from './worker-config.ts';

/**
 * `pipelines.video` of KitConfig: the shared worker config with defaults suited to video (2 GB,
 * 15 min, one video per invocation, so each gets nearly the whole timeout as its budget), the
 * output prefix, and every handler setting of {@link videoSettingsSchema}: capture `strategy`,
 * `intervalSeconds`, `maxFrames`, `dedupe`, `limits`, `moderation`, `hls`, `poster`, `quarantine`,
 * `liveSegments`, `events`, `maxInputBytes` (spread, so a new handler option is configurable the
 * moment it exists).
 */
export const videoPipelineConfigSchema = workerConfigSchema
  .extend({
    ingestPrefix: keyPrefixSchema.default('videos/'),
    /** @default 2048 (MB: frame decode, the model and HLS encoding share it; ≥ 1769 MB buys a full vCPU) */
    memorySize: workerConfigSchema.shape.memorySize.unwrap().min(2048, 'the video pipeline needs at least 2048 MB').default(2048),
    /** @default 900 (Lambda's maximum: long videos and HLS encoding) */
    timeoutSeconds: workerConfigSchema.shape.timeoutSeconds.unwrap().default(900),
    /** Videos per invocation. @default 1 */
    batchSize: workerConfigSchema.shape.batchSize.unwrap().default(1),
    /** @default 0 (a video starts as soon as it lands) */
    maxBatchingWindowSeconds: workerConfigSchema.shape.maxBatchingWindowSeconds.unwrap().default(0),
    /** /tmp for the streamed upload, frames and HLS segments, in MB. @default 4096 */
    ephemeralStorageMb: z.number().int().min(512).max(10_240).default(4096),
    /** Frames, reports, HLS go under this prefix of the results bucket. @default 'video/' */
    outputPrefix: keyPrefixSchema.default('video/'),
    ...videoSettingsSchema.shape,
  })
  .superRefine(refineWorkerConfig)
  .superRefine((config, ctx) => {
    if (config.quarantine.prefix.startsWith(config.outputPrefix) || config.outputPrefix.startsWith(config.quarantine.prefix)) {
      ctx.addIssue({ code: 'custom', path: ['quarantine', 'prefix'], message: `must not overlap outputPrefix '${config.outputPrefix}': quarantined media is readable by the reviewer role only` });
    }
    if (config.quarantine.prefix.startsWith('failures/')) {
      ctx.addIssue({ code: 'custom', path: ['quarantine', 'prefix'], message: "must not be under 'failures/'" });
    }
    if (config.maxInputBytes > config.ephemeralStorageMb * 1024 * 1024 * 0.6) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInputBytes'],
        message: `${config.maxInputBytes} bytes do not fit in ${config.ephemeralStorageMb} MB of /tmp beside frames and HLS output (keep it under 60%)`,
      });
    }
  });

export type VideoPipelineConfig = z.infer<typeof videoPipelineConfigSchema>;
export type VideoPipelineConfigInput = z.input<typeof videoPipelineConfigSchema>;
