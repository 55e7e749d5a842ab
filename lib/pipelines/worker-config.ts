import { z } from 'zod';
import { defaultTimeBudgetMs, timeBudgetProblem } from '../../functions/shared/time-budget.ts';

/** A key prefix of the ingest or results bucket. */
export const keyPrefixSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9/_-]*\/$/, "a key prefix of lowercase letters, digits, '-', '_' and '/', ending in '/'");

/**
 * Flow control, sizing and the per-object time budget every queue pipeline shares. A pipeline's
 * config schema extends it (with its own defaults) and adds `outputPrefix` and its handler's
 * settings; call {@link refineWorkerConfig} on the result.
 */
export const workerConfigSchema = z.strictObject({
  /** Uploads under this prefix of the ingest bucket trigger the pipeline. */
  ingestPrefix: keyPrefixSchema,
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
  /**
   * Seconds one object may take before its work is stopped and it fails with the pipeline's
   * timeout code. `batchSize × timeBudgetSeconds` must fit in `timeoutSeconds` less a reserve
   * (10 %, at least 1 s; see budgetReserveMs).
   * @default (timeoutSeconds − reserve) / batchSize, in 0.01 s steps
   */
  timeBudgetSeconds: z.number().min(0.1).max(900).optional(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** The per-object budget in ms: the configured one, or the default derived from timeout and batch size. */
export function timeBudgetMsOf(config: Pick<WorkerConfig, 'timeoutSeconds' | 'batchSize' | 'timeBudgetSeconds'>): number {
  return config.timeBudgetSeconds !== undefined
    ? Math.round(config.timeBudgetSeconds * 1000)
    : defaultTimeBudgetMs(config.timeoutSeconds * 1000, config.batchSize);
}

/** Synth-time checks of a worker config: the batch's budgets must fit in the function timeout. */
export function refineWorkerConfig(config: WorkerConfig, ctx: z.RefinementCtx): void {
  const problem = timeBudgetProblem(config.timeoutSeconds * 1000, config.batchSize, timeBudgetMsOf(config));
  if (problem) ctx.addIssue({ code: 'custom', path: ['timeBudgetSeconds'], message: problem });
}
