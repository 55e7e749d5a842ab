export { DEFAULT_PRESET, PRESETS, type Preset } from './presets.ts';
export { KitConfigError, loadKitConfig, presetNames, type LoadConfigOptions } from './load.ts';
export { kitConfigSchema, type ImagePipelineConfig, type KitConfig, type KitConfigInput, type WorkerConfig } from './schema.ts';
