import { z } from 'zod';
import { FAILURE_PREFIX } from '../../functions/shared/keys.ts';
import { alertsSchema } from '../constructs/alerts.ts';
import { ENCRYPTION_DEFAULTS, encryptionConfigSchema } from '../constructs/kit-encryption.ts';
import { MONITORING_DEFAULTS, monitoringConfigSchema } from '../constructs/kit-monitoring.ts';
import { networkConfigSchema } from '../constructs/kit-network.ts';
import { EVENTS_DEFAULTS, eventsConfigSchema, TASKS_DEFAULTS, tasksConfigSchema } from '../constructs/tasks-config.ts';
import { imagePipelineConfigSchema } from '../pipelines/image-pipeline-config.ts';
import { settlementPipelineConfigSchema } from '../pipelines/settlement-pipeline-config.ts';
import { videoPipelineConfigSchema } from '../pipelines/video-pipeline-config.ts';
import { inferencePipelineConfigSchema } from '../pipelines/inference-pipeline-config.ts';
import type { KitStackConfig } from '../stacks/kit-stack.ts';

/**
 * KitConfig: everything a deployment can be told, as one typed, validated value, composed from
 * the pipelines' own schemas (each beside its construct in lib/pipelines/). Presets are values of
 * this schema; a JSON config file overrides a preset and is validated the same way.
 */

export { workerConfigSchema, type WorkerConfig } from '../pipelines/worker-config.ts';
export { imagePipelineConfigSchema as imagePipelineSchema, type ImagePipelineConfig } from '../pipelines/image-pipeline-config.ts';
export { settlementPipelineConfigSchema, type SettlementPipelineConfig } from '../pipelines/settlement-pipeline-config.ts';
export { videoPipelineConfigSchema as videoPipelineSchema, type VideoPipelineConfig } from '../pipelines/video-pipeline-config.ts';
export { inferencePipelineConfigSchema as inferencePipelineSchema, type InferencePipelineConfig } from '../pipelines/inference-pipeline-config.ts';

const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const kitConfigSchema = z
  .strictObject({
    /** The preset this config started from (informational; set by the loader). */
    preset: z.string(),
    /** CloudFormation stack name. @default 'MediaKit-<preset>' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'letters, digits and hyphens, starting with a letter')
      .optional(),
    /** @default 'x86_64' */
    architecture: z.enum(['x86_64', 'arm64']).default('x86_64'),
    /** @default 30 */
    logRetentionDays: z
      .number()
      .refine((d) => (RETENTION_DAYS as readonly number[]).includes(d), `one of ${RETENTION_DAYS.join(', ')}`)
      .default(30),
    storage: z
      .strictObject({
        ingestExpirationDays: z.number().int().min(1).optional(),
        resultsExpirationDays: z.number().int().min(1).optional(),
        resultsNoncurrentVersionDays: z.number().int().min(1).default(30),
        accessLogExpirationDays: z.number().int().min(1).default(90),
        /** Results bucket events (manifests, failure records) to EventBridge. @default true */
        resultsEventBridge: z.boolean().default(true),
      })
      .default({ resultsNoncurrentVersionDays: 30, accessLogExpirationDays: 90, resultsEventBridge: true }),
    /** Customer-managed KMS encryption of buckets, queues, tables and log groups. @default AWS-managed encryption */
    encryption: encryptionConfigSchema.default(ENCRYPTION_DEFAULTS),
    /** VPC placement of every function, with endpoints instead of a NAT. @default outside any VPC */
    network: networkConfigSchema.optional(),
    /** Where alarms notify: an existing SNS topic or an email address. @default none (alarms without actions) */
    alerts: alertsSchema.optional(),
    /** Function and task alarms (with `alerts`) and the stack's dashboard. */
    monitoring: monitoringConfigSchema.default(MONITORING_DEFAULTS),
    /** The task table, task API and dead-letter recorder. */
    tasks: tasksConfigSchema.default(TASKS_DEFAULTS),
    /** The kit's EventBridge bus. */
    events: eventsConfigSchema.default(EVENTS_DEFAULTS),
    pipelines: z
      .strictObject({
        image: imagePipelineConfigSchema.optional(),
        settlement: settlementPipelineConfigSchema.optional(),
        video: videoPipelineConfigSchema.optional(),
        inference: inferencePipelineConfigSchema.optional(),
      })
      .default({}),
  })
  .superRefine((config, ctx) => {
    for (const [id, p] of Object.entries(config.pipelines)) {
      if (p && 'outputPrefix' in p && p.outputPrefix.startsWith(FAILURE_PREFIX)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', id, 'outputPrefix'], message: `must not be under '${FAILURE_PREFIX}', where failure records go` });
      }
    }
    // S3 rejects overlapping prefix filters for one event type, and an overlap would feed one upload to two pipelines.
    const prefixes = Object.entries(config.pipelines).flatMap(([id, p]) => (p ? [[id, p.ingestPrefix] as const] : []));
    for (const [a, pa] of prefixes) {
      for (const [b, pb] of prefixes) {
        if (a < b && (pa.startsWith(pb) || pb.startsWith(pa))) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', b, 'ingestPrefix'],
            message: `overlaps pipelines.${a}.ingestPrefix ('${pa}' vs '${pb}'): each pipeline needs its own prefix`,
          });
        }
      }
    }
  });

export type KitConfig = z.infer<typeof kitConfigSchema>;
export type KitConfigInput = z.input<typeof kitConfigSchema>;

/** A validated KitConfig is what the stack takes (checked here, where both are known). */
const _stackAcceptsKitConfig = (config: KitConfig): KitStackConfig => config;
void _stackAcceptsKitConfig;
