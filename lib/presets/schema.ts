import { z } from 'zod';
import { alertsSchema } from '../constructs/alerts.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { FAILURE_PREFIX } from '../../functions/shared/keys.ts';

/**
 * KitConfig: everything a deployment can be told, as one typed, validated value. Presets are
 * values of this schema; a JSON config file overrides a preset and is validated the same way.
 */

const prefix = z
  .string()
  .regex(/^[a-z0-9][a-z0-9/_-]*\/$/, "a key prefix of lowercase letters, digits, '-', '_' and '/', ending in '/'");

/** Flow control and sizing every queue worker shares. */
export const workerConfigSchema = z.strictObject({
  /** Uploads under this prefix of the ingest bucket trigger the pipeline. */
  ingestPrefix: prefix,
  /** @default 1024 (MB; 1769 MB buys one full vCPU) */
  memorySize: z.number().int().min(128).max(10_240).default(1024),
  /** @default 60 */
  timeoutSeconds: z.number().int().min(1).max(900).default(60),
  /** Records per invocation. @default 5 */
  batchSize: z.number().int().min(1).max(100).default(5),
  /** @default 1 */
  maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(1),
  /** Concurrent invocations the queue may drive. @default 10 */
  maxConcurrency: z.number().int().min(2).max(1000).default(10),
  /** Deliveries before a message is dead-lettered. @default 3 */
  maxReceiveCount: z.number().int().min(1).max(1000).default(3),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const imagePipelineSchema = workerConfigSchema.extend({
  ingestPrefix: prefix.default('uploads/'),
  memorySize: workerConfigSchema.shape.memorySize.unwrap().default(2048),
  /** Renditions, manifests go under this prefix of the results bucket. @default 'image/' */
  outputPrefix: prefix.default('image/'),
  ...transcodeOptionsSchema.shape,
});
export type ImagePipelineConfig = z.infer<typeof imagePipelineSchema>;

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
    /** Where alarms notify: an existing SNS topic or an email address. @default none (alarms without actions) */
    alerts: alertsSchema.optional(),
    pipelines: z
      .strictObject({
        image: imagePipelineSchema.optional(),
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
