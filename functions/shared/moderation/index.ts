/** Video moderation: one provider interface, pure verdict logic, settings for the video construct. */
export {
  DEFAULT_LABEL_THRESHOLDS,
  type LabelThreshold,
  type LabelThresholds,
  LabelThresholdSchema,
  type ModerationProviderName,
  type ModerationSettings,
  ModerationSettingsSchema,
  thresholdsFor,
} from './config.ts';
export { ModerationErrorCode } from './errors.ts';
export { noModerationProvider } from './none-provider.ts';
export { nsfwjsProvider } from './nsfwjs-provider.ts';
export type { Frame, FrameClassification, FrameLabel, ModerationProvider } from './provider.ts';
export * from './verdict.ts';
