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
  /** The task table the worker records attempts in; absent when the stack leaves tasks out. */
  TASK_TABLE_NAME: 'TASK_TABLE_NAME',
  /** Days a finished task is kept in the task table. */
  TASK_TTL_DAYS: 'TASK_TTL_DAYS',
  /** The kit's EventBridge bus: task and pipeline events. */
  KIT_BUS_NAME: 'KIT_BUS_NAME',
  /** The function's architecture, for its cost (x86_64 | arm64). */
  KIT_ARCHITECTURE: 'KIT_ARCHITECTURE',
} as const;

export type EnvName = (typeof EnvName)[keyof typeof EnvName];
