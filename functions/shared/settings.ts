import { z } from 'zod';
import { EnvName } from './env-names.ts';

/** Settings every queue-worker handler needs, whatever its pipeline. */
export const workerSettingsSchema = z.object({
  resultsBucket: z.string().min(3),
  ingestPrefix: z.string(),
  outputPrefix: z.string().min(1),
});
export type WorkerSettings = z.infer<typeof workerSettingsSchema>;

/**
 * Reads a handler's settings from its environment once, at load. A missing or malformed
 * variable fails the cold start with one message naming it, instead of failing every record.
 */
export function loadSettings<T extends z.ZodType>(
  pipelineSchema: T,
  env: NodeJS.ProcessEnv = process.env,
): WorkerSettings & { pipeline: z.infer<T> } {
  const worker = workerSettingsSchema.safeParse({
    resultsBucket: env[EnvName.RESULTS_BUCKET],
    ingestPrefix: env[EnvName.INGEST_PREFIX],
    outputPrefix: env[EnvName.OUTPUT_PREFIX],
  });
  if (!worker.success) {
    throw new Error(`Invalid handler environment: ${z.prettifyError(worker.error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(env[EnvName.PIPELINE_SETTINGS] ?? '');
  } catch {
    throw new Error(`Invalid handler environment: ${EnvName.PIPELINE_SETTINGS} is not JSON`);
  }
  const pipeline = pipelineSchema.safeParse(raw);
  if (!pipeline.success) {
    throw new Error(`Invalid ${EnvName.PIPELINE_SETTINGS}: ${z.prettifyError(pipeline.error)}`);
  }
  return { ...worker.data, pipeline: pipeline.data };
}
