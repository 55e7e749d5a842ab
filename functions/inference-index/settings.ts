import { z } from 'zod';

/** The index function's environment: set by InferencePipeline, read once at load. */
export const IndexEnv = {
  RESULTS_BUCKET: 'RESULTS_BUCKET',
  /** The inference pipeline's ingest prefix: task ids derive from it. */
  INGEST_PREFIX: 'INGEST_PREFIX',
  /** Where the index goes in the results bucket, e.g. 'inference-index/'. */
  INDEX_PREFIX: 'INDEX_PREFIX',
  /** The kit bus `Inference Completed` is published on; absent: no event. */
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
} as const;

const prefix = z.string().regex(/^[a-z0-9][a-z0-9/_-]*\/$/);

export const indexSettingsSchema = z.object({
  [IndexEnv.RESULTS_BUCKET]: z.string().min(3),
  [IndexEnv.INGEST_PREFIX]: prefix,
  [IndexEnv.INDEX_PREFIX]: prefix,
  [IndexEnv.EVENT_BUS_NAME]: z.string().min(1).optional(),
});

export interface IndexSettings {
  readonly resultsBucket: string;
  readonly ingestPrefix: string;
  readonly indexPrefix: string;
  readonly busName?: string;
}

export function loadIndexSettings(env: NodeJS.ProcessEnv = process.env): IndexSettings {
  const parsed = indexSettingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid inference-index environment: ${z.prettifyError(parsed.error)}`);
  const busName = parsed.data[IndexEnv.EVENT_BUS_NAME];
  return {
    resultsBucket: parsed.data[IndexEnv.RESULTS_BUCKET],
    ingestPrefix: parsed.data[IndexEnv.INGEST_PREFIX],
    indexPrefix: parsed.data[IndexEnv.INDEX_PREFIX],
    ...(busName ? { busName } : {}),
  };
}
