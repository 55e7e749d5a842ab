/**
 * Environment variable names handed from infra to handlers. Infra sets them, handlers read them
 * once at load through {@link ./settings.ts}; one constant per name keeps the two sides in step.
 */
export const EnvName = {
  /** JSON of the pipeline contract ({@link ./pipeline-contract.ts}): id, prefixes, result document, codes. */
  PIPELINE_CONTRACT: 'PIPELINE_CONTRACT',
  RESULTS_BUCKET: 'RESULTS_BUCKET',
  /** JSON of the pipeline's own settings (renditions, limits, …), validated by the handler at load. */
  PIPELINE_SETTINGS: 'PIPELINE_SETTINGS',
  /** Milliseconds each object may take (the per-object time budget). */
  TIME_BUDGET_MS: 'TIME_BUDGET_MS',
  /** The work queue the function consumes: records it chose not to start are sent back to it. */
  WORK_QUEUE_URL: 'WORK_QUEUE_URL',
} as const;

export type EnvName = (typeof EnvName)[keyof typeof EnvName];
