import type { z } from 'zod';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { keyPrefixSchema, refineWorkerConfig, workerConfigSchema } from './worker-config.ts';

/**
 * `pipelines.image` of KitConfig: the shared worker config with the image pipeline's defaults,
 * its output prefix, and every handler setting of {@link transcodeOptionsSchema} (spread, so a
 * new transcode option is configurable the moment it exists).
 */
export const imagePipelineConfigSchema = workerConfigSchema
  .extend({
    ingestPrefix: keyPrefixSchema.default('uploads/'),
    memorySize: workerConfigSchema.shape.memorySize.unwrap().default(2048),
    /** Renditions, manifests go under this prefix of the results bucket. @default 'image/' */
    outputPrefix: keyPrefixSchema.default('image/'),
    ...transcodeOptionsSchema.shape,
  })
  .superRefine(refineWorkerConfig);

export type ImagePipelineConfig = z.infer<typeof imagePipelineConfigSchema>;
export type ImagePipelineConfigInput = z.input<typeof imagePipelineConfigSchema>;
