/**
 * Environment variable names handed from infra to handlers. Infra sets them, handlers read them
 * once at load through {@link ./settings.ts}; one constant per name keeps the two sides in step.
 */
export const EnvName = {
  RESULTS_BUCKET: 'RESULTS_BUCKET',
  INGEST_PREFIX: 'INGEST_PREFIX',
  OUTPUT_PREFIX: 'OUTPUT_PREFIX',
  /** JSON of the pipeline's own settings (renditions, limits, …), validated by the handler at load. */
  PIPELINE_SETTINGS: 'PIPELINE_SETTINGS',
  PIPELINE_ID: 'PIPELINE_ID',
} as const;

export type EnvName = (typeof EnvName)[keyof typeof EnvName];
