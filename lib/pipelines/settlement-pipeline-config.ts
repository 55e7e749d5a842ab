import type { z } from 'zod';
import { settlementOptionsSchema } from '../../functions/battle-settlement/options.ts';
import { keyPrefixSchema, refineWorkerConfig, workerConfigSchema } from './worker-config.ts';

/**
 * `pipelines.settlement` of KitConfig: the shared worker config with settlement's defaults (small
 * JSON logs, bursts: more records per invocation), its output prefix, and every handler setting
 * of {@link settlementOptionsSchema} (limits, allowed ruleset versions).
 */
export const settlementPipelineConfigSchema = workerConfigSchema
  .extend({
    ingestPrefix: keyPrefixSchema.default('battles/'),
    memorySize: workerConfigSchema.shape.memorySize.unwrap().default(512),
    // 60 s over 10 records: a 5.4 s budget per battle, so a grant under load (contention retries) is not cut short.
    timeoutSeconds: workerConfigSchema.shape.timeoutSeconds.unwrap().default(60),
    batchSize: workerConfigSchema.shape.batchSize.unwrap().default(10),
    /** Settlement documents go under this prefix of the results bucket. @default 'settlement/' */
    outputPrefix: keyPrefixSchema.default('settlement/'),
    ...settlementOptionsSchema.shape,
  })
  .superRefine(refineWorkerConfig);

export type SettlementPipelineConfig = z.infer<typeof settlementPipelineConfigSchema>;
export type SettlementPipelineConfigInput = z.input<typeof settlementPipelineConfigSchema>;
