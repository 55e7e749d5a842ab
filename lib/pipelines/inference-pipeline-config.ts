import type { z } from 'zod';
import { inferenceOptionsSchema } from '../../functions/inference/options.ts';
import { keyPrefixSchema, refineWorkerConfig, workerConfigSchema } from './worker-config.ts';

/**
 * `pipelines.inference` of KitConfig: the shared worker config with the inference pipeline's
 * defaults, its output and index prefixes, and every handler setting of
 * {@link inferenceOptionsSchema} (models, limits, top-K).
 */
export const inferencePipelineConfigSchema = workerConfigSchema
  .extend({
    ingestPrefix: keyPrefixSchema.default('jobs/'),
    /** The model needs ~0.5 GB resident; 2048 MB buys more than one vCPU for decode + predict. @default 2048 */
    memorySize: workerConfigSchema.shape.memorySize.unwrap().min(1024).default(2048),
    /** A cold start loads the model (~1 s) before the first job. @default 120 */
    timeoutSeconds: workerConfigSchema.shape.timeoutSeconds.unwrap().default(120),
    /** Jobs are waited on (a task, a demo, a client polling): invoke as soon as one is queued. @default 0 */
    maxBatchingWindowSeconds: workerConfigSchema.shape.maxBatchingWindowSeconds.unwrap().default(0),
    /** result.json of each job goes under this prefix of the results bucket. @default 'inference/' */
    outputPrefix: keyPrefixSchema.default('inference/'),
    /** The per-model daily JSONL index, built from each result's creation event. @default 'inference-index/' */
    indexPrefix: keyPrefixSchema.default('inference-index/'),
    ...inferenceOptionsSchema.shape,
  })
  .superRefine((config, ctx) => {
    refineWorkerConfig(config, ctx);
    if (config.indexPrefix.startsWith(config.outputPrefix) || config.outputPrefix.startsWith(config.indexPrefix)) {
      ctx.addIssue({ code: 'custom', path: ['indexPrefix'], message: `must not overlap outputPrefix '${config.outputPrefix}'` });
    }
    for (const [i, prefix] of config.manifestImagePrefixes.entries()) {
      if (prefix.startsWith(config.ingestPrefix)) ctx.addIssue({ code: 'custom', path: ['manifestImagePrefixes', i], message: `is under ingestPrefix '${config.ingestPrefix}', which manifests may name already` });
    }
    const names = new Set<string>();
    for (const [i, model] of config.models.entries()) {
      if (names.has(model.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `'${model.name}' is configured twice` });
      names.add(model.name);
    }
  });

export type InferencePipelineConfig = z.infer<typeof inferencePipelineConfigSchema>;
export type InferencePipelineConfigInput = z.input<typeof inferencePipelineConfigSchema>;
