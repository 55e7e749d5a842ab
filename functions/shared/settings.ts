import { z } from 'zod';
import { EnvName } from './env-names.ts';
import { parsePipelineContract, type PipelineContract } from './pipeline-contract.ts';

/** Settings every queue-worker handler has, whatever its pipeline. */
export interface WorkerSettings {
  readonly contract: PipelineContract;
  readonly resultsBucket: string;
  /** Milliseconds each object may take. */
  readonly timeBudgetMs: number;
  /** The queue the function consumes; absent when it is invoked another way. */
  readonly workQueueUrl?: string;
}

/** A handler's whole settings: the worker's, plus its pipeline's own under `pipeline`. */
export type HandlerSettings<Pipeline> = WorkerSettings & { readonly pipeline: Pipeline };

const workerEnvironmentSchema = z.object({
  [EnvName.RESULTS_BUCKET]: z.string().min(3),
  [EnvName.TIME_BUDGET_MS]: z.coerce.number().int().positive(),
  [EnvName.WORK_QUEUE_URL]: z.url().optional(),
});

/**
 * Reads a handler's settings from its environment once, at load: the pipeline contract, the
 * worker's settings and the pipeline's own (validated by `pipelineSchema`, the schema the
 * construct parsed them with). A missing or malformed variable fails the cold start with one
 * message naming it, instead of failing every record.
 */
export function loadSettings<T extends z.ZodType>(pipelineSchema: T, env: NodeJS.ProcessEnv = process.env): HandlerSettings<z.infer<T>> {
  const worker = workerEnvironmentSchema.safeParse(env);
  if (!worker.success) {
    throw new Error(`Invalid handler environment: ${z.prettifyError(worker.error)}`);
  }
  const contractJson = env[EnvName.PIPELINE_CONTRACT];
  if (contractJson === undefined) throw new Error(`Invalid handler environment: ${EnvName.PIPELINE_CONTRACT} is not set`);
  let contract: PipelineContract;
  try {
    contract = parsePipelineContract(contractJson, EnvName.PIPELINE_CONTRACT);
  } catch (error) {
    throw new Error(`Invalid handler environment: ${(error as Error).message}`);
  }
  const pipeline = loadJsonSetting(EnvName.PIPELINE_SETTINGS, pipelineSchema, env);
  const workQueueUrl = worker.data[EnvName.WORK_QUEUE_URL];
  return {
    contract,
    resultsBucket: worker.data[EnvName.RESULTS_BUCKET],
    timeBudgetMs: worker.data[EnvName.TIME_BUDGET_MS],
    ...(workQueueUrl ? { workQueueUrl } : {}),
    pipeline,
  };
}

/**
 * One JSON environment variable parsed by its schema, at load: a missing, non-JSON or invalid
 * value fails the cold start with one message naming the variable (and the field).
 */
export function loadJsonSetting<T extends z.ZodType>(name: string, schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(env[name] ?? '');
  } catch {
    throw new Error(`Invalid handler environment: ${name} is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid ${name}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
