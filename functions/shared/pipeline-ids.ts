/** One name per pipeline across infra, handlers, CLI and docs. */
export const PIPELINE_IDS = ['image', 'video', 'settlement', 'inference'] as const;
export type PipelineId = (typeof PIPELINE_IDS)[number];
